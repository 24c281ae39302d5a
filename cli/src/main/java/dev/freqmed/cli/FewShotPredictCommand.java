package dev.freqmed.cli;

import ai.djl.Device;
import dev.freqmed.data.nifti.NiftiReader;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.model.fafnet.FafNetConfig;
import dev.freqmed.model.fafnet.FewShotPrediction;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code freqmed fewshot predict}: segment an organ in a new volume from annotated slices. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Segment an organ in a query volume from one or a few annotated slices of a"
                + " support volume; writes OUTPUT/prediction.nii.gz (the query's grid and affine),"
                + " OUTPUT/prediction_overlay.png and OUTPUT/summary.json.")
final class FewShotPredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint folder (a run's model/).")
    Path model;

    @Option(names = "--support", required = true, description = "Support volume (.nii/.nii.gz).")
    Path support;

    @Option(names = "--support-mask", required = true,
            description = "Its mask or label volume on the same grid.")
    Path supportMask;

    @Option(names = "--label", description = "The organ's value in the mask (default: any non-zero"
            + " voxel).")
    Integer label;

    @Option(names = "--slices", split = ",",
            description = "Support slice indices (z, 0-based); default: three slices at 1/6, 1/2"
                    + " and 5/6 of the annotated ones.")
    List<Integer> slices = new ArrayList<>();

    @Option(names = "--query", required = true, description = "Query volume (.nii/.nii.gz).")
    Path query;

    @Option(names = "--query-slices", paramLabel = "FIRST-LAST",
            description = "Segment only these query slices (z, 0-based, inclusive), e.g. the"
                    + " organ's extent; the others are background. Default: every slice (the"
                    + " network assumes the organ is in each slice it is given, so slices beyond"
                    + " the organ get false foreground).")
    String querySlices;

    @Option(names = "--output", required = true, description = "Output folder.")
    Path output;

    @Option(names = "--overwrite", description = "Write into an existing output folder.")
    boolean overwrite;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (!overwrite && dev.freqmed.io.AtomicFiles.hasContent(output)) {
            throw new IllegalArgumentException(output + ": output folder already exists; use"
                    + " --overwrite to write into it");
        }
        int[] range = querySlices == null ? null : parseRange(querySlices);
        NiftiVolume s = read3d(support);
        NiftiVolume m = read3d(supportMask);
        NiftiVolume q = read3d(query);
        Device dev = device.parse();
        EngineSetup.start(spec.commandLine().getErr());
        try (LoadedModel lm = LoadedModel.load(model, dev, "fafnet")) {
            long t0 = System.nanoTime();
            Map<String, Object> r = FewShotPrediction.run(lm.network(), lm.manager(),
                    (FafNetConfig) lm.config(), s, m, label, slices, q, range,
                    new String[] {support.toString(), supportMask.toString(), query.toString()},
                    output);
            int[] segmented = (int[]) r.get("query_range");
            o.printf(Locale.ROOT, "support slices %s; %s foreground voxels (%.1f ml) in %s of %s"
                    + " slices (slices %d-%d segmented), %.1f s -> %s%n", java.util.Arrays.toString(
                    (int[]) r.get("support_slices")), r.get("foreground_voxels"),
                    r.get("foreground_ml"), r.get("slices_with_foreground"), r.get("query_slices"),
                    segmented[0], segmented[1], (System.nanoTime() - t0) / 1e9,
                    output.resolve("prediction.nii.gz"));
            o.flush();
        }
        return 0;
    }

    /** "FIRST-LAST" as two ints; the volume's extent is checked once it is read. */
    private static int[] parseRange(String text) {
        String[] parts = text.trim().split("-");
        try {
            if (parts.length == 2) {
                return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("--query-slices '" + text + "': expected FIRST-LAST,"
                + " two 0-based slice indices such as 12-30");
    }

    private static NiftiVolume read3d(Path p) throws IOException {
        try {
            return NiftiReader.read3d(p);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
