package dev.freqmed.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.cli.Main;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code freqmed batch} on an embedded Spark ({@code local[2]}) against {@code freqmed predict} on
 * PH2 test images: the same bytes, an error row for a corrupt file, one clean output set after a
 * task dies half-way and is retried, {@code --resume} keeps finished images, and the Java API
 * scores against ground truth.
 */
class BatchInferenceTest {

    private static final Path PH2 = Path.of("..", "testdata", "ph2").toAbsolutePath().normalize();
    private static final List<String> IDS = List.of("IMD014", "IMD024", "IMD038", "IMD049");

    @TempDir
    static Path shared;

    static Path model;
    static Path images;
    static Path expected;

    record Result(int code, String out, String err) {
    }

    static Result cli(boolean batch, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = batch ? BatchMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args)
                : Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void trainAndPredict() throws IOException {
        Path run = shared.resolve("run");
        Path cfg = shared.resolve("tiny.yaml");
        Files.writeString(cfg, "model:\n  arch: frcunet\n  preset: tiny\n  inputSize: 32\n"
                + "data:\n  root: " + PH2 + "\n  augmentation: none\n  workers: 1\n"
                + "train:\n  epochs: 4\n  batchSize: 8\n  learningRate: 5.0e-3\n"
                + "output: " + run + "\n");
        Result t = cli(false, "train", "--config", cfg.toString(), "--device", "cpu");
        assertEquals(0, t.code(), t.err() + t.out());
        model = run.resolve("model");
        images = shared.resolve("images");
        Files.createDirectories(images);
        for (String id : IDS) {
            Files.copy(PH2.resolve("images/" + id + ".jpg"), images.resolve(id + ".jpg"));
        }
        expected = shared.resolve("predicted");
        Result p = cli(false, "predict", "--model", model.toString(), "--input", images.toString(),
                "--output", expected.toString(), "--device", "cpu");
        assertEquals(0, p.code(), p.err());
    }

    @AfterAll
    static void closeModels() {
        ExecutorModels.closeAll();
    }

    /** Every file under {@code dir} except the run's bookkeeping and result tables, by relative path. */
    static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (!rel.startsWith(ImagePredictor.STATE_DIR) && !rel.startsWith("results.")) {
                    out.put(rel, Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    static void assertSameOutputs(Path want, Path got) throws IOException {
        Map<String, byte[]> a = files(want);
        Map<String, byte[]> b = files(got);
        assertEquals(a.keySet(), b.keySet());
        assertEquals(IDS.size() * 3, a.size(), "masks, prob and overlays per image: " + a.keySet());
        a.forEach((k, v) -> assertArrayEquals(v, b.get(k), k));
    }

    static List<String[]> csv(Path file) throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (List<String> r : Csv.read(file)) {
            rows.add(r.toArray(new String[0]));
        }
        return rows;
    }

    @Test
    void batchWritesWhatPredictWritesAndACorruptFileBecomesAnErrorRow() throws IOException {
        Path in = shared.resolve("with-corrupt");
        Files.createDirectories(in);
        for (String id : IDS) {
            Files.copy(images.resolve(id + ".jpg"), in.resolve(id + ".jpg"));
        }
        Files.write(in.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path out = shared.resolve("batch-1");
        Result r = cli(true, "batch", "--model", model.toString(), "--input", in.toString(), "--output",
                out.toString(), "--master", "local[2]");
        assertEquals(1, r.code(), "one error row makes the exit code 1: " + r.err() + r.out());
        assertTrue(r.err().contains("broken.png"), r.err());
        assertTrue(r.out().contains("5 image(s): 4 ok"), r.out());
        assertSameOutputs(expected, out);

        List<String[]> rows = csv(out.resolve("results.csv"));
        List<String> header = List.of(rows.get(0));
        assertEquals(1 + 5 + 1, rows.size(), "header, five images, aggregate");
        int status = header.indexOf("status");
        int path = header.indexOf("path");
        int fraction = header.indexOf("foreground_fraction");
        assertTrue(fraction > 0, header.toString());
        int errors = 0;
        for (String[] row : rows.subList(1, 6)) {
            if (row[path].endsWith("broken.png")) {
                assertEquals("error", row[status]);
                assertTrue(row[header.indexOf("message")].contains("broken.png"));
                errors++;
            } else {
                assertEquals("ok", row[status], String.join(",", row));
                String stem = ImageIo.stem(Path.of(row[path]));
                GrayImage mask = ImageIo.readGray(out.resolve("masks/" + stem + ".png"));
                long fg = java.util.Arrays.stream(mask.data()).filter(v -> v != 0).count();
                assertEquals((double) fg / mask.data().length, Double.parseDouble(row[fraction]), 1e-5, stem);
            }
        }
        assertEquals(1, errors);
        assertEquals("aggregate", rows.get(6)[status]);
        assertTrue(Files.isDirectory(out.resolve("results.parquet")));
        assertFalse(Files.exists(out.resolve(ImagePredictor.STATE_DIR).resolve("tmp")));

        Path before = out.resolve("masks/IMD014.png");
        long stamp = Files.getLastModifiedTime(before).toMillis();
        Result again = cli(true, "batch", "--model", model.toString(), "--input", in.toString(), "--output",
                out.toString(), "--master", "local[2]");
        assertEquals(2, again.code(), "an existing folder is refused without --resume/--overwrite");
        Result resumed = cli(true, "batch", "--model", model.toString(), "--input", in.toString(), "--output",
                out.toString(), "--master", "local[2]", "--resume");
        assertEquals(1, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("4 ok (4 kept from an earlier run)"), resumed.out());
        assertEquals(stamp, Files.getLastModifiedTime(before).toMillis(), "finished images are not redone");
        assertSameOutputs(expected, out);
    }

    @Test
    void aTaskThatDiesHalfWayIsRetriedAndLeavesOneCompleteSetOfOutputs() throws IOException {
        Path out = shared.resolve("batch-retry");
        System.setProperty(ImagePredictor.FAIL_ONCE_PROPERTY, "IMD024");
        try {
            Result r = cli(true, "batch", "--model", model.toString(), "--input", images.toString(), "--output",
                    out.toString(), "--master", "local[2,3]");
            assertEquals(0, r.code(), r.err() + r.out());
        } finally {
            System.clearProperty(ImagePredictor.FAIL_ONCE_PROPERTY);
        }
        assertSameOutputs(expected, out);
        assertFalse(Files.exists(out.resolve(ImagePredictor.STATE_DIR).resolve("tmp")),
                "temporary folders of the failed attempt are removed");
        List<String[]> rows = csv(out.resolve("results.csv"));
        assertEquals(1 + IDS.size() + 1, rows.size(), "one row per image despite the retry");
    }

    @Test
    void javaApiScoresAgainstGroundTruthFromACsvWithMetadata() throws IOException {
        Path list = shared.resolve("list.csv");
        StringBuilder sb = new StringBuilder("path,ground_truth,diagnosis\n");
        for (String id : IDS) {
            sb.append("images/").append(id).append(".jpg,").append(PH2.resolve("masks/" + id + ".png"))
                    .append(",\"naevus, common\"\n");
        }
        Files.writeString(list, sb.toString());
        Path out = shared.resolve("batch-api");
        SparkSession spark = Sessions.start("local[2]");
        try {
            Dataset<Row> inputs = BatchInference.listInputs(spark, list);
            Dataset<Row> results = BatchInference.predict(inputs, BatchOptions.of(model.toString(), out.toString()));
            List<Row> rows = results.collectAsList();
            assertEquals(IDS.size(), rows.size());
            double sum = 0;
            for (Row row : rows) {
                assertEquals("ok", row.getAs("status"), (String) row.getAs("message"));
                assertEquals("naevus, common", row.getAs("diagnosis"));
                String stem = row.getAs("stem");
                GrayImage mask = ImageIo.readGray(out.resolve("masks/" + stem + ".png"));
                GrayImage truth = ImageIo.readGray(PH2.resolve("masks/" + stem + ".png"));
                long tp = 0;
                long p = 0;
                long t = 0;
                for (int i = 0; i < mask.data().length; i++) {
                    boolean a = mask.data()[i] != 0;
                    boolean b = truth.data()[i] != 0;
                    tp += a && b ? 1 : 0;
                    p += a ? 1 : 0;
                    t += b ? 1 : 0;
                }
                double dice = 2.0 * tp / (p + t);
                scala.collection.Map<String, Object> m = row.getAs("metrics");
                assertEquals(dice, ((Number) m.apply("dice")).doubleValue(), 1e-12, stem);
                sum += dice;
            }
            Map<String, Object> agg = BatchInference.writeResults(results, out);
            @SuppressWarnings("unchecked")
            Map<String, Double> means = (Map<String, Double>) agg.get("metrics");
            assertEquals(sum / IDS.size(), means.get("dice"), 1e-9);
            assertNotEquals(0.0, sum, "a trained model finds some lesion pixels");
            assertTrue(ExecutorModels.loads() >= 1);
        } finally {
            spark.stop();
        }
    }
}
