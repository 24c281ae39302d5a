package dev.freqmed.cli;

import ai.djl.Device;
import dev.freqmed.config.Configs;
import dev.freqmed.data.BinaryFolderReader;
import dev.freqmed.data.FloatImage;
import dev.freqmed.infer.InstanceLabels;
import dev.freqmed.infer.InstanceWriter;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.infer.ObjectClasses;
import dev.freqmed.infer.Predictor;
import dev.freqmed.infer.PredictionWriter;
import dev.freqmed.infer.RegionPredictor;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code freqmed predict}: runs a trained model on images. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Segment images with a trained model. Writes, per image STEM, masks/STEM.png (0/255 at the"
                + " original size), prob/STEM.png (8-bit probability) and overlays/STEM.png; masks/ and prob/ can be"
                + " passed to 'freqmed evaluate --pred' as they are.")
final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint folder (or a run folder holding model/).")
    Path model;

    @Option(names = "--input", required = true, description = "An image (PNG, JPEG, BMP, TIFF) or a folder of images.")
    Path input;

    @Option(names = "--output", required = true, description = "Output folder (must not exist unless --overwrite).")
    Path output;

    @Mixin
    WindowOptions windows;

    @Option(names = "--threshold", defaultValue = "0.5", description = "Probability threshold of the mask (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--size", defaultValue = "0",
            description = "Square input side of the network, overriding the model's test size (0 = the model's).")
    int size;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Replace a setting of the model for this run, e.g. post.boundaryThreshold=0.5 or"
                    + " post.edgeThreshold=0.3 (FPNuNet's post-processing); repeatable. Settings that change the"
                    + " network's shape are refused by the weights.")
    List<String> set = new ArrayList<>();

    @Option(names = "--region", defaultValue = "1024",
            description = "Instance models (FPNuNet): an image wider or taller than this is predicted region by region,"
                    + " cores of this side plus --region-margin of context, read from the file one region at a time,"
                    + " so memory follows the region (0 = always the whole image; default: ${DEFAULT-VALUE}).")
    int region;

    @Option(names = "--region-margin", defaultValue = "64",
            description = "Context read around each region's core, in pixels; wider than the largest object"
                    + " (default: ${DEFAULT-VALUE}).")
    int regionMargin;

    @Option(names = "--types", paramLabel = "FILE",
            description = "Instance models: class names and colours for objects/*.csv, the GeoJSON and the overlays,"
                    + " JSON like the CoNSeP types.json or HoVer-Net's type_info.json (default: the types.json"
                    + " that training copied into the run folder, if any; else 'type N').")
    Path types;

    @Mixin
    DeviceOption device;

    @Option(names = "--overwrite", description = "Write into an existing output folder.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<Path> images = listInputs(input);
        if (region < 0 || regionMargin < 0) {
            throw new IllegalArgumentException("--region and --region-margin must be 0 or more, found " + region
                    + " and " + regionMargin);
        }
        if (!overwrite && dev.freqmed.io.AtomicFiles.hasContent(output)) {
            throw new IllegalArgumentException(output + ": output folder already exists; use --overwrite to write into it");
        }
        Device dev = device.parse();
        EngineSetup.start(spec.commandLine().getErr());
        Map<String, Object> overrides = Configs.assignments(set);
        try (LoadedModel m = LoadedModel.load(model, dev, null, overrides)) {
            if (!overrides.isEmpty()) {
                out.println("settings for this run: " + String.join(", ", set));
            }
            if (size != 0) {
                m.setInferenceSize(size);
            }
            Files.createDirectories(output);
            Predictor predictor = new Predictor(m, windows.inferer());
            PredictionWriter writer = m.task().writer(threshold);
            if (writer instanceof InstanceWriter) {
                if (types != null && !Files.isRegularFile(types)) {
                    throw new NoSuchFileException(types.toString(), null, "--types file does not exist");
                }
                Path classes = types != null ? types : ObjectClasses.fileOfModel(m.dir());
                if (classes != null) {
                    writer = new InstanceWriter(ObjectClasses.read(classes));
                    out.println("class names: " + classes);
                }
            }
            long t0 = System.nanoTime();
            int i = 0;
            for (Path p : images) {
                i++;
                if (writer instanceof InstanceWriter instances && region > 0 && byRegion(p, instances, predictor,
                        out, i, images.size())) {
                    continue;
                }
                FloatImage img = BinaryFolderReader.readImage(p);
                writer.write(output, ImageIo.stem(p), img, predictor.run(img));
                out.println(String.format(Locale.ROOT, "[%d/%d] %s (%dx%d)", i, images.size(), p.getFileName(),
                        img.width(), img.height()));
                out.flush();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            out.println(String.format(Locale.ROOT, "%d image(s) in %.1f s -> %s", images.size(), s, output));
        }
        return 0;
    }

    /**
     * Predicts an image larger than {@code --region} region by region, reading it one region at a time.
     *
     * @return false when the image is small enough for one pass (nothing done)
     */
    private boolean byRegion(Path p, InstanceWriter writer, Predictor predictor, PrintWriter out, int i, int n)
            throws IOException {
        long t0 = System.nanoTime();
        InstanceLabels map = new RegionPredictor(predictor::run, region, regionMargin).runFile(p,
                new RegionPredictor.Listener() {
                    @Override
                    public void start(int w, int h, int total) {
                        out.println(String.format(Locale.ROOT, "[%d/%d] %s (%dx%d): %d regions of %d px + %d px"
                                + " margin", i, n, p.getFileName(), w, h, total, region, regionMargin));
                        out.flush();
                    }

                    @Override
                    public void region(int done, int all, int objects) {
                        double s = (System.nanoTime() - t0) / 1e9;
                        out.println(String.format(Locale.ROOT, "  region %d/%d, %d objects, %.0f s, about %.0f s"
                                + " left", done, all, objects, s, s / done * (all - done)));
                        out.flush();
                    }
                });
        if (map == null) {
            return false;
        }
        writer.write(output, ImageIo.stem(p), map);
        out.println(String.format(Locale.ROOT, "  %d objects", map.count()));
        out.flush();
        return true;
    }

    static List<Path> listInputs(Path input) throws IOException {
        if (!Files.exists(input)) {
            throw new NoSuchFileException(input.toString(), null, "input does not exist");
        }
        List<Path> out = new ArrayList<>();
        if (Files.isDirectory(input)) {
            try (Stream<Path> s = Files.list(input)) {
                s.filter(Files::isRegularFile).filter(ImageIo::isImage).sorted().forEach(out::add);
            }
            if (out.isEmpty()) {
                throw new IOException(input + ": no images (PNG, JPEG, BMP, TIFF) in this folder");
            }
        } else {
            if (!ImageIo.isImage(input)) {
                throw new IOException(input + ": not an image file (expected .png, .jpg, .jpeg, .bmp, .tif or .tiff)");
            }
            out.add(input);
        }
        return out;
    }
}
