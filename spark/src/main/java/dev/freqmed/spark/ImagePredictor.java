package dev.freqmed.spark;

import dev.freqmed.data.BinaryFolderReader;
import dev.freqmed.data.FloatImage;
import dev.freqmed.infer.InstanceLabels;
import dev.freqmed.infer.InstanceWriter;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.infer.ObjectClasses;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PredictionOutput;
import dev.freqmed.infer.PredictionWriter;
import dev.freqmed.infer.Predictor;
import dev.freqmed.infer.RegionPredictor;
import dev.freqmed.infer.SlidingWindowInferer;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.metric.InstanceMap;
import dev.freqmed.metric.InstanceSegmentationMetrics;
import dev.freqmed.metric.MetricResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Predicts one image of a batch on an executor and publishes its files so that a task killed
 * at any point and run again leaves exactly one complete set: the writer writes into a private
 * temporary folder, the files are renamed into place, and only then is the image's completion
 * record written (itself by rename). An image without a record is predicted again.
 */
final class ImagePredictor {

    /** Folder of the run's bookkeeping inside the output folder. */
    static final String STATE_DIR = ".freqmed-batch";

    /** Test hook: the first attempt of the task holding this stem dies half-way through publishing. */
    static final String FAIL_ONCE_PROPERTY = "freqmed.batch.failOnce";

    private final BatchOptions options;
    private final Path output;

    ImagePredictor(BatchOptions options) {
        this.options = options;
        this.output = Path.of(options.output());
    }

    /** The completion record of a stem. */
    static Path record(Path output, String stem) {
        return output.resolve(STATE_DIR).resolve("done").resolve(stem + ".json");
    }

    /**
     * Predicts, writes and scores one image.
     *
     * @param path        the image
     * @param groundTruth its reference mask or instance map, or null
     * @param attempt     Spark's attempt number of the task (0 first)
     * @return the result row; reading and prediction errors become error rows
     */
    ImageResult process(String path, String groundTruth, int attempt) {
        long t0 = System.nanoTime();
        String stem = ImageIo.stem(Path.of(path));
        if (options.resume()) {
            ImageResult previous = ImageResult.readRecord(record(output, stem), output);
            if (previous != null) {
                return previous.asReused();
            }
        }
        Path tmp = output.resolve(STATE_DIR).resolve("tmp").resolve(stem + "." + attempt + "." + UUID.randomUUID());
        try {
            Written w;
            try {
                w = predictAndWrite(Path.of(path), stem, tmp);
            } catch (IOException | RuntimeException e) {
                return ImageResult.error(stem, message(path, e), seconds(t0));
            }
            List<String> files = new ArrayList<>();
            for (String f : w.writer().files(stem)) {
                if (Files.isRegularFile(tmp.resolve(f))) {
                    files.add(f);
                }
            }
            publish(tmp, files, stem, attempt);
            Map<String, Double> summary = new LinkedHashMap<>();
            w.summary().forEach((k, v) -> {
                if (v instanceof Number n) {
                    summary.put(k, n.doubleValue());
                }
            });
            Map<String, Double> metrics;
            try {
                metrics = groundTruth == null || groundTruth.isBlank() ? Map.of()
                        : score(w.outputs(), files, Path.of(groundTruth));
            } catch (IOException | RuntimeException e) {
                return new ImageResult(stem, ImageResult.ERROR, message(groundTruth, e), seconds(t0),
                        w.width(), w.height(), false, String.join(";", files), summary, Map.of());
            }
            ImageResult result = new ImageResult(stem, ImageResult.OK, "", seconds(t0), w.width(),
                    w.height(), false, String.join(";", files), summary, metrics);
            result.writeRecord(record(output, stem));
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(output + ": could not publish the outputs of " + stem, e);
        } finally {
            deleteTree(tmp);
        }
    }

    /** The object classes of each model folder, read once per executor (as its model is). */
    private static final java.util.concurrent.ConcurrentMap<Path, ObjectClasses> CLASSES =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The number of {@code type_t} entries of a prediction summary. */
    static int typeColumns(Map<String, Object> summary) {
        return (int) summary.keySet().stream().filter(k -> k.startsWith("type_")).count();
    }

    /** What one image's prediction wrote: its size, summary, the writer and the outputs it held. */
    private record Written(int width, int height, Map<String, Object> summary, PredictionWriter writer,
            java.util.Set<PredictionOutput> outputs) {
    }

    /**
     * Predicts one image and writes its files into {@code tmp}: an instance model's image larger than
     * {@code region} region by region, read from the file one region at a time (as {@code freqmed predict});
     * anything else whole.
     */
    private Written predictAndWrite(Path path, String stem, Path tmp) throws IOException {
        LoadedModel model = ExecutorModels.get(options.model(), options.size());
        Predictor predictor = new Predictor(model, SlidingWindowInferer.ofOptions(options.tile(),
                options.overlap(), options.tileBatch(), options.blend()));
        PredictionWriter writer = model.task().writer(options.threshold());
        if (writer instanceof InstanceWriter) {
            ObjectClasses named = CLASSES.get(model.dir());
            if (named == null) {
                named = ObjectClasses.ofModel(model.dir());
                CLASSES.putIfAbsent(model.dir(), named);
            }
            InstanceWriter instances = new InstanceWriter(named);
            writer = instances;
            if (options.region() > 0) {
                // The class count the model's own summaries use, so that a row lists every
                // type_t column a whole-image prediction would, present or not.
                int[] classes = {0};
                RegionPredictor regions = new RegionPredictor(region -> {
                    Prediction p = predictor.run(region);
                    classes[0] = Math.max(classes[0], typeColumns(p.summary()) + 1);
                    return p;
                }, options.region(), options.regionMargin());
                InstanceLabels map = regions.runFile(path, null);
                if (map != null) {
                    Files.createDirectories(tmp);
                    instances.write(tmp, stem, map);
                    return new Written(map.width(), map.height(), map.summary(classes[0]), writer,
                            java.util.Set.of(PredictionOutput.INSTANCES));
                }
            }
        }
        FloatImage image = BinaryFolderReader.readImage(path);
        Prediction prediction = predictor.run(image);
        Files.createDirectories(tmp);
        writer.write(tmp, stem, image, prediction);
        return new Written(image.width(), image.height(), prediction.summary(), writer,
                prediction.arrays().keySet());
    }

    /** Renames each written file into place (replacing what a failed attempt may have left). */
    private void publish(Path tmp, List<String> files, String stem, int attempt) throws IOException {
        int moved = 0;
        for (String f : files) {
            Path target = output.resolve(f);
            Files.createDirectories(target.getParent());
            Files.move(tmp.resolve(f), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved++;
            if (attempt == 0 && moved == 1 && files.size() > 1 && stem.equals(System.getProperty(FAIL_ONCE_PROPERTY))) {
                throw new IllegalStateException("injected failure after publishing " + f + " of " + stem);
            }
        }
    }

    /**
     * Scores the written prediction against a ground truth: a mask prediction against a mask
     * (any non-zero pixel is foreground, as {@code freqmed evaluate --task binary} reads it) gives
     * this image's Dice and IoU; an instance prediction against a 16-bit instance map gives the
     * instance metrics of {@code evaluate --task instance} (Dice, AJI, AJI+, DQ, SQ, PQ).
     */
    Map<String, Double> score(Prediction prediction, List<String> files, Path groundTruth) throws IOException {
        return score(prediction.arrays().keySet(), files, groundTruth);
    }

    private Map<String, Double> score(java.util.Set<PredictionOutput> outputs, List<String> files, Path groundTruth)
            throws IOException {
        GrayImage truth = ImageIo.readGray(groundTruth);
        if (outputs.contains(PredictionOutput.INSTANCES)) {
            GrayImage pred = ImageIo.readGray(output.resolve(written(files, "instances/")));
            sameSize(truth, pred);
            MetricResult r = new InstanceSegmentationMetrics().compute(InstanceMap.of(pred), InstanceMap.of(truth));
            Map<String, Double> m = new LinkedHashMap<>();
            for (String k : InstanceSegmentationMetrics.MEAN_KEYS) {
                m.put(k, r.get(k));
            }
            return m;
        }
        if (!outputs.contains(PredictionOutput.PROBABILITY) && !outputs.contains(PredictionOutput.MASK)) {
            throw new IllegalArgumentException("scoring against a ground truth is supported for mask and instance"
                    + " predictions; this model writes " + outputs);
        }
        GrayImage pred = ImageIo.readGray(output.resolve(written(files, "masks/")));
        sameSize(truth, pred);
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < pred.data().length; i++) {
            boolean p = pred.data()[i] != 0;
            boolean t = truth.data()[i] != 0;
            if (p && t) {
                tp++;
            } else if (p) {
                fp++;
            } else if (t) {
                fn++;
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        boolean empty = tp + fp + fn == 0;
        m.put("dice", empty ? 1.0 : 2.0 * tp / (2.0 * tp + fp + fn));
        m.put("iou", empty ? 1.0 : (double) tp / (tp + fp + fn));
        return m;
    }

    private static String written(List<String> files, String folder) {
        return files.stream().filter(f -> f.startsWith(folder)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the writer wrote no " + folder + " file"));
    }

    private static void sameSize(GrayImage truth, GrayImage pred) throws IOException {
        if (truth.width() != pred.width() || truth.height() != pred.height()) {
            throw new IOException("ground truth is " + truth.width() + "x" + truth.height()
                    + " but the image is " + pred.width() + "x" + pred.height());
        }
    }

    private static String message(String path, Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.contains(path) ? m : path + ": " + m;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Deletes a folder and everything below it; what cannot be deleted is left for the next run. */
    static void deleteTree(Path dir) {
        try {
            AtomicFiles.deleteTree(dir);
        } catch (IOException e) {
            // left for the next run's clean-up
        }
    }
}
