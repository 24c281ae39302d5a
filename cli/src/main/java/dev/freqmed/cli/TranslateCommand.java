package dev.freqmed.cli;

import ai.djl.Device;
import dev.freqmed.data.BinaryFolderReader;
import dev.freqmed.data.FloatImage;
import dev.freqmed.infer.ImageWriter;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.io.ImageIo;
import dev.freqmed.model.diffusionffpe.DiffusionFfpeTranslator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code freqmed translate}: stain translation (a2b) with a trained Diffusion-FFPE model. */
@Command(name = "translate", mixinStandardHelpOptions = true,
        description = "Translate images (domain A to domain B, e.g. frozen section to FFPE) with a"
                + " Diffusion-FFPE model. Writes images/STEM.png (RGB, the input's size) per input."
                + " Grey or RGBA inputs are converted to RGB (a warning names the file).")
final class TranslateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint folder (or a run folder holding model/).")
    Path model;

    @Option(names = "--input", required = true, description = "An image (PNG, JPEG, BMP, TIFF) or a folder of images.")
    Path input;

    @Option(names = "--output", required = true, description = "Output folder (must not exist unless --overwrite).")
    Path output;

    @Option(names = "--tile", defaultValue = "0", description = "Window side in pixels, a multiple of the"
            + " network's stride; 0 = the whole image in one pass (default: ${DEFAULT-VALUE}).")
    int tile;

    @Option(names = "--overlap", defaultValue = "64", description = "Window overlap in pixels, blended"
            + " with a Gaussian map (default: ${DEFAULT-VALUE}).")
    int overlap;

    @Option(names = "--tile-batch", defaultValue = "1", description = "Windows per generator pass (default: ${DEFAULT-VALUE}).")
    int tileBatch;

    @ArgGroup(exclusive = true)
    Noise noise = new Noise();

    /** How the latent is drawn: a seed for the noise, or the posterior mean. */
    static final class Noise {
        @Option(names = "--seed", defaultValue = "0", description = "Seed of the latent noise (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--deterministic", description = "Use the latent's posterior mean instead of a sample.")
        boolean deterministic;
    }

    @Mixin
    DeviceOption device;

    @Option(names = "--overwrite", description = "Write into an existing output folder.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<Path> images = PredictCommand.listInputs(input);
        if (!overwrite && dev.freqmed.io.AtomicFiles.hasContent(output)) {
            throw new IllegalArgumentException(output + ": output folder already exists; use --overwrite to write into it");
        }
        Device dev = device.parse();
        EngineSetup.start(spec.commandLine().getErr());
        try (LoadedModel m = LoadedModel.load(model, dev, "diffusion-ffpe")) {
            int[] image = {0};
            DiffusionFfpeTranslator translator = new DiffusionFfpeTranslator(m, tile, overlap, tileBatch,
                    noise.deterministic ? null : noise.seed, (done, total) -> {
                        if (total > 1) {
                            out.print(String.format(Locale.ROOT, "\r[%d/%d] windows %d/%d", image[0] + 1,
                                    images.size(), done, total));
                            out.flush();
                        }
                    });
            Files.createDirectories(output);
            ImageWriter writer = new ImageWriter();
            long t0 = System.nanoTime();
            for (Path p : images) {
                FloatImage img = BinaryFolderReader.readImage(p);
                writer.write(output, ImageIo.stem(p), img, translator.translate(img));
                image[0]++;
                out.println(String.format(Locale.ROOT, "\r[%d/%d] %s (%dx%d)", image[0], images.size(),
                        p.getFileName(), img.width(), img.height()));
                out.flush();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            out.println(String.format(Locale.ROOT, "%d image(s) in %.1f s -> %s", images.size(), s,
                    output.resolve("images")));
        }
        return 0;
    }
}
