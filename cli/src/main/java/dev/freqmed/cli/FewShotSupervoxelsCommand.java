package dev.freqmed.cli;

import dev.freqmed.data.volume.Supervoxels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code freqmed fewshot supervoxels}: 3-D Felzenszwalb supervoxels of a folder of volumes. */
@Command(name = "supervoxels", mixinStandardHelpOptions = true,
        description = "Compute SSL-ALPNet/FAF-Net supervoxel pseudo-labels (3-D Felzenszwalb,"
                + " 26-neighbourhood, min-size merge, body mask) for every NIfTI volume of a"
                + " folder; writes int32 supervoxels_<id>.nii.gz on each input's grid.")
final class FewShotSupervoxelsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--volumes", required = true, description = "Folder of .nii/.nii.gz volumes.")
    Path volumes;

    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;

    @Option(names = "--min-size", defaultValue = "5000",
            description = "Smallest supervoxel in voxels (default: ${DEFAULT-VALUE}, the"
                    + " reference's value for CHAOS and Synapse; 1000 for cardiac MRI).")
    int minSize;

    @Option(names = "--threads", defaultValue = "0",
            description = "Volumes processed at once (default: the number of processors).")
    int threads;

    @Override
    public Integer call() throws Exception {
        if (minSize < 1) {
            throw new IllegalArgumentException("--min-size must be >= 1, found " + minSize);
        }
        PrintWriter o = spec.commandLine().getOut();
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        long t0 = System.nanoTime();
        List<Path> written = Supervoxels.run(volumes, out, minSize, t, new ConsoleProgress(o));
        o.printf(java.util.Locale.ROOT, "%d supervoxel volumes written to %s in %.1f s%n",
                written.size(), out, (System.nanoTime() - t0) / 1e9);
        o.flush();
        return 0;
    }
}
