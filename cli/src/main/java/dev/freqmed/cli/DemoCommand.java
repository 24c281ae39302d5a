package dev.freqmed.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.freqmed.config.Configs;
import dev.freqmed.data.BinaryFolderReader;
import dev.freqmed.infer.DataDescription;
import dev.freqmed.infer.HeldOutEvaluation;
import dev.freqmed.infer.RunReport;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.metric.MetricResult;
import dev.freqmed.tensor.Devices;
import dev.freqmed.train.TrainConfig;
import dev.freqmed.train.TrainingRun;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code freqmed demo}: trains FRCU-Net on the bundled PH2 sample, evaluates it on the held-out
 * test cases and writes a report.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train FRCU-Net on the bundled PH2 sample, evaluate it on the held-out test cases, and write"
                + " model/, metrics.json, curves.png, overlays/ and report.html.")
final class DemoCommand implements Callable<Integer> {

    /** Classpath folder of the bundled sample data. */
    static final String DATA_RESOURCE = "demo/ph2/";
    /** Classpath location of the demo config. */
    static final String CONFIG_RESOURCE = "configs/frcunet-ph2-demo.yaml";

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/demo", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epochs", description = "Override the number of epochs of the demo config.")
    Integer epochs;

    @Option(names = "--data", description = "Train on this binary data set (images/ + masks/ + split.csv) instead of the bundled sample.")
    Path data;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu, gpu:N or auto.")
    String device;

    @Option(names = "--overwrite", description = "Replace an existing output folder's results.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        if (!overwrite && dev.freqmed.io.AtomicFiles.hasContent(out)) {
            throw new IllegalArgumentException(out + ": output folder already exists; use --overwrite or --out DIR");
        }
        long start = System.nanoTime();
        Path tmp = null;
        try {
            Path root = data;
            if (root == null) {
                tmp = Files.createTempDirectory("freqmed-demo-");
                root = extractBundledData(tmp.resolve("ph2"));
            }
            Path cfgFile = Files.createTempFile("freqmed-demo-", ".yaml");
            try (InputStream in = resource(CONFIG_RESOURCE)) {
                Files.write(cfgFile, in.readAllBytes());
            }
            TrainConfig base = TrainConfig.read(cfgFile);
            Files.deleteIfExists(cfgFile);
            Map<String, Object> m = base.toMap();
            @SuppressWarnings("unchecked")
            Map<String, Object> dataSection = (Map<String, Object>) m.get("data");
            dataSection.put("root", root.toAbsolutePath().toString());
            @SuppressWarnings("unchecked")
            Map<String, Object> trainSection = (Map<String, Object>) m.get("train");
            if (epochs != null) {
                trainSection.put("epochs", epochs);
            }
            m.put("output", out.toString());
            Path resolved = Files.createTempFile("freqmed-demo-", ".yaml");
            Files.writeString(resolved, Configs.toYaml(m));
            TrainConfig cfg = TrainConfig.read(resolved);
            Files.deleteIfExists(resolved);

            Device dev = Devices.parse(device, Engine.getEngine("PyTorch"));
            EngineSetup.start(spec.commandLine().getErr());
            StringBuilder model = new StringBuilder();
            Configs.toMap(cfg.model()).forEach((k, v) -> model.append(model.length() == 0 ? "" : ", ").append(k)
                    .append('=').append(v));
            pw.println("FreqMed demo: FRCU-Net (" + model + ")");
            pw.println("data: " + (data == null ? "bundled PH2 sample" : root) + "; device " + Devices.describe(dev)
                    + "; output " + out);
            pw.flush();
            long t0 = System.nanoTime();
            TrainingRun.Result r = new TrainingRun(cfg, dev, new ConsoleProgress(pw)).run(false);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;

            BinaryFolderReader test = BinaryFolderReader.open(root, cfg.data().testSplit());
            HeldOutEvaluation.Result heldOut = HeldOutEvaluation.run(test, r.modelDir(), dev, out);
            MetricResult metrics = heldOut.metrics();
            double evalSeconds = heldOut.seconds();
            double total = (System.nanoTime() - start) / 1e9;

            DataDescription described = data == null ? DataDescription.bundledPh2Sample() : DataDescription.folder(root);
            new RunReport(cfg, r, trainSeconds, heldOut, described).write(out);
            printTable(pw, metrics, test.size());
            pw.println(String.format(Locale.ROOT, "held-out Dice (pooled, = reference F1): %.4f   mean per-image Dice: %.4f",
                    metrics.get("f1"), metrics.get("mean_image_dice")));
            pw.println(String.format(Locale.ROOT, "time: training %.0f s, evaluation %.0f s, total %.0f s",
                    trainSeconds, evalSeconds, total));
            pw.println("report: " + out.resolve("report.html"));
            pw.flush();
            return 0;
        } finally {
            if (tmp != null) {
                AtomicFiles.deleteTree(tmp);
            }
        }
    }

    static void printTable(PrintWriter pw, MetricResult m, int images) {
        pw.println();
        pw.println("Held-out test set (" + images + " images), pixels pooled as in the FRCU-Net reference evaluation:");
        String[][] rows = {
            {"f1", "F1 = pooled Dice"},
            {"sensitivity", "sensitivity"},
            {"specificity", "specificity"},
            {"accuracy", "accuracy"},
            {"precision", "precision"},
            {"jaccard_similarity_score_legacy", "reference \"JS\" (= accuracy)"},
            {"jaccard_score", "IoU (true Jaccard)"},
            {"auc_roc", "AUC-ROC (binarised)"},
            {"mean_image_dice", "mean per-image Dice"},
            {"mean_image_iou", "mean per-image IoU"},
        };
        for (String[] r : rows) {
            pw.println(String.format(Locale.ROOT, "  %-32s %.4f", r[1], m.get(r[0])));
        }
        pw.println();
    }

    static Path extractBundledData(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("masks"));
        String split;
        try (InputStream in = resource(DATA_RESOURCE + "split.csv")) {
            split = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Files.writeString(dir.resolve("split.csv"), split);
        List<String> ids = new ArrayList<>();
        for (String line : split.split("\n")) {
            String t = line.trim();
            if (!t.isEmpty() && !t.startsWith("id,")) {
                ids.add(t.split(",")[0]);
            }
        }
        for (String id : ids) {
            copy(DATA_RESOURCE + "images/" + id + ".jpg", dir.resolve("images/" + id + ".jpg"));
            copy(DATA_RESOURCE + "masks/" + id + ".png", dir.resolve("masks/" + id + ".png"));
        }
        return dir;
    }

    private static void copy(String res, Path to) throws IOException {
        try (InputStream in = resource(res)) {
            Files.copy(in, to);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("bundled resource '" + name + "' is missing from the FreqMed build");
        }
        return in;
    }

}
