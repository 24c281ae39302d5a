package dev.freqmed.spark;

import dev.freqmed.cli.WindowOptions;
import dev.freqmed.io.AtomicFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code freqmed batch}: runs a model over many images on Apache Spark. */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Run a trained model over every image of a folder, or of a CSV of paths, on Apache Spark"
                + " (embedded local[*] by default, or a cluster master). Writes the files 'freqmed predict' writes,"
                + " plus results.csv and results.parquet/ with one row per image (status, seconds, the"
                + " prediction's summary, Dice/IoU when a ground_truth column is given) and an aggregate row.")
public final class BatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint folder (or a run folder holding model/).")
    Path model;

    @Option(names = "--input", required = true, description = "A folder of images, or a CSV file with a header"
            + " naming a 'path' column (optional 'ground_truth' and metadata columns; relative paths are relative"
            + " to the CSV's folder).")
    Path input;

    @Option(names = "--output", required = true, description = "Output folder (must be empty unless --resume or"
            + " --overwrite; on a cluster, a folder every executor can write).")
    Path output;

    @Option(names = "--master", description = "Spark master: local[*] (embedded, all cores), local[N], or a"
            + " cluster URL. Default: the one spark-submit passes, else local[*].")
    String master;

    @Mixin
    WindowOptions windows;

    @Option(names = "--threshold", defaultValue = "0.5", description = "Mask threshold (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--size", defaultValue = "0", description = "Network input side (0 = the model's).")
    int size;

    @Option(names = "--region", defaultValue = "1024", description = "Instance models (FPNuNet): an image wider or"
            + " taller than this is predicted region by region, read from the file one region at a time, as"
            + " 'freqmed predict' does (0 = always the whole image; default: ${DEFAULT-VALUE}).")
    int region;

    @Option(names = "--region-margin", defaultValue = "64", description = "Context read around each region's core,"
            + " in pixels (default: ${DEFAULT-VALUE}).")
    int regionMargin;

    @Option(names = "--resume", description = "Keep the images whose outputs are complete; predict the rest.")
    boolean resume;

    @Option(names = "--overwrite", description = "Predict every image again, replacing its outputs (other files"
            + " in the folder are kept).")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (resume && overwrite) {
            throw new IllegalArgumentException("--resume and --overwrite exclude each other");
        }
        if (!Files.exists(input)) {
            throw new java.nio.file.NoSuchFileException(input.toString(), null, "input does not exist");
        }
        dev.freqmed.infer.LoadedModel.resolve(model);
        if (!resume && !overwrite && AtomicFiles.hasContent(output)) {
            throw new IllegalArgumentException(output + ": output folder already exists; use --resume to keep"
                    + " finished images or --overwrite to predict them again");
        }
        if (overwrite) {
            ImagePredictor.deleteTree(output.resolve(ImagePredictor.STATE_DIR));
        }
        Files.createDirectories(output);
        BatchOptions options = new BatchOptions(model.toAbsolutePath().toString(),
                output.toAbsolutePath().toString(), windows.tile, windows.overlap, windows.tileBatch, windows.blend,
                threshold, size, resume, region, regionMargin);
        if (master == null) {
            master = System.getProperty("spark.master", "local[*]");
        }
        long t0 = System.nanoTime();
        dev.freqmed.cli.EngineSetup.start(err);
        SparkSession spark = Sessions.start(master);
        try {
            Dataset<Row> inputs = BatchInference.listInputs(spark, input);
            long total = inputs.count();
            err.println(String.format(Locale.ROOT, "batch: %d image(s) on %s (%d task slot(s))", total,
                    master, spark.sparkContext().defaultParallelism()));
            err.flush();
            AtomicInteger done = new AtomicInteger();
            java.util.Set<Integer> imageStages = java.util.concurrent.ConcurrentHashMap.newKeySet();
            SparkListener progress = new SparkListener() {
                @Override
                public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted s) {
                    // The stage that predicts has one task per image.
                    if (s.stageInfo().numTasks() == total) {
                        imageStages.add(s.stageInfo().stageId());
                    }
                }

                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    if (end.taskInfo().successful() && "ResultTask".equals(end.taskType())
                            && imageStages.contains(end.stageId())) {
                        int k = done.incrementAndGet();
                        if (k <= total) {
                            err.println(String.format(Locale.ROOT, "[%d/%d] images", k, total));
                            err.flush();
                        }
                    }
                }
            };
            spark.sparkContext().addSparkListener(progress);
            Dataset<Row> results;
            long p0 = System.nanoTime();
            try {
                results = BatchInference.predict(inputs, options);
            } finally {
                spark.sparkContext().removeSparkListener(progress);
            }
            double predictSeconds = (System.nanoTime() - p0) / 1e9;
            Map<String, Object> agg = BatchInference.writeResults(results, output);
            long errors = results.filter("status = 'error'").count();
            results.filter("status = 'error'").select("path", "message").collectAsList()
                    .forEach(r -> err.println("error: " + r.getString(1)));
            out.println(agg.get("message") + String.format(Locale.ROOT, "; prediction stage %.1f s (%.2f images/s),"
                    + " total %.1f s", predictSeconds, total / predictSeconds, (System.nanoTime() - t0) / 1e9));
            Object metrics = agg.get("metrics");
            if (metrics instanceof Map<?, ?> m && !m.isEmpty()) {
                out.println("mean over images: " + m);
            }
            out.println("results: " + output.resolve("results.csv") + " and " + output.resolve("results.parquet"));
            out.flush();
            return errors == 0 ? 0 : 1;
        } finally {
            spark.stop();
        }
    }
}
