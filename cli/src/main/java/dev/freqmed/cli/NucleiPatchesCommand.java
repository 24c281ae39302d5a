package dev.freqmed.cli;

import dev.freqmed.data.NucleusFolderReader;
import dev.freqmed.data.NucleusPatchWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code freqmed nuclei patches}: labelled tiles to an HDF5 patch file. */
@Command(name = "patches", mixinStandardHelpOptions = true,
        description = "Cut images and their nucleus labels (HoVer-Net/CoNSeP .mat with inst_map, "
                + "or 16-bit instance PNGs in inst/ with type PNGs in type/) into overlapping "
                + "patches in FPNuNet's HDF5 layout (one group per patch: image, inst_map, "
                + "type_map, boundary_map).")
public final class NucleiPatchesCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--images", required = true, description = "folder of images")
    Path images;

    @Option(names = "--labels", required = true,
            description = "folder of labels: STEM.mat, inst/STEM.png (+ type/STEM.png) or "
                    + "STEM.png")
    Path labels;

    @Option(names = "--out", required = true, description = "HDF5 file to write")
    Path out;

    @Option(names = "--window", defaultValue = "128", description = "patch side (default 128)")
    int window;

    @Option(names = "--step", defaultValue = "64", description = "stride (default 64)")
    int step;

    @Option(names = "--classes", defaultValue = "8",
            description = "largest valid type id (default 8, CD47-IHCNuSC; CoNSeP: 4)")
    int classes;

    @Override
    public Integer call() throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        NucleusFolderReader source = NucleusFolderReader.open(images, labels, classes);
        NucleusPatchWriter.Result r = NucleusPatchWriter.write(source, out, window, step,
                new ConsoleProgress(o));
        for (String id : r.padded()) {
            o.println("padded " + id + " (smaller than the " + window + "-pixel window) with"
                    + " zeros at the bottom/right");
        }
        o.printf("wrote %d patches of %dx%d from %d images to %s%n", r.patches(), window,
                window, r.images(), out);
        o.flush();
        return 0;
    }
}
