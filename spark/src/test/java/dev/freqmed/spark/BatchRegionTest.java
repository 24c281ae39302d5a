package dev.freqmed.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An instance model (a tiny FPNuNet trained one epoch) over a TIFF larger than {@code --region}:
 * {@code freqmed batch} predicts it region by region, reading the file one region at a time, and
 * writes the same files, byte for byte, as {@code freqmed predict} with the same settings; the
 * result row carries the object count and a count column for every class of the model.
 */
class BatchRegionTest {

    private static final Path SAMPLE = Path.of("..", "testdata", "fpnunet", "cli-sample")
            .toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @AfterAll
    static void closeModels() {
        ExecutorModels.closeAll();
    }

    @Test
    void batchPredictsALargeImageRegionByRegionAsPredictDoes() throws Exception {
        Path run = tmp.resolve("run");
        Path cfg = tmp.resolve("fpnunet.yaml");
        Files.writeString(cfg, "model:\n  arch: fpnunet\n  preset: tiny\n"
                + "data:\n  root: " + SAMPLE + "\n  valSplit: val\n  testSplit: \"\"\n"
                + "  augmentation: none\n  workers: 1\n"
                + "train:\n  epochs: 1\n  batchSize: 2\n  learningRate: 1.0e-3\n"
                + "output: " + run + "\n");
        BatchInferenceTest.Result t = BatchInferenceTest.cli(false, "train", "--config",
                cfg.toString(), "--device", "cpu");
        assertEquals(0, t.code(), t.err() + t.out());

        Path in = Files.createDirectories(tmp.resolve("in"));
        Path png = SAMPLE.resolve("val/images/test_1_005.png");
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertTrue(javax.imageio.ImageIO.write(img, "tiff", in.resolve("large.tif").toFile()));
        String[] common = {"--model", run.toString(), "--input", in.toString(), "--tile", "64",
            "--overlap", "8", "--region", "48", "--region-margin", "16"};

        Path want = tmp.resolve("predicted");
        BatchInferenceTest.Result p = BatchInferenceTest.cli(false, concat("predict", common,
                "--output", want.toString(), "--device", "cpu"));
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("9 regions of 48 px + 16 px margin"), p.out());

        Path got = tmp.resolve("batch");
        BatchInferenceTest.Result b = BatchInferenceTest.cli(true, concat("batch", common,
                "--output", got.toString(), "--master", "local[1]"));
        assertEquals(0, b.code(), b.err() + b.out());

        Map<String, byte[]> a = BatchInferenceTest.files(want);
        Map<String, byte[]> c = BatchInferenceTest.files(got);
        assertEquals(a.keySet(), c.keySet());
        assertTrue(a.containsKey("instances/large.png") && a.containsKey("objects/large.csv"),
                a.keySet().toString());
        a.forEach((k, v) -> assertArrayEquals(v, c.get(k), k));

        GrayImage inst = ImageIo.readGray(got.resolve("instances/large.png"));
        long objects = java.util.Arrays.stream(inst.data()).filter(v -> v > 0).distinct().count();
        assertTrue(objects > 0, "the model finds objects, so the comparison says something");
        List<String[]> rows = BatchInferenceTest.csv(got.resolve("results.csv"));
        List<String> header = List.of(rows.get(0));
        String[] row = rows.get(1);
        assertEquals("ok", row[header.indexOf("status")]);
        assertEquals(objects, (long) Double.parseDouble(row[header.indexOf("nuclei")]),
                String.join(",", row));
        assertEquals("128", row[header.indexOf("width")]);
        // Every class of the model has its column, as in a whole-image prediction's row, whether
        // or not the image holds an object of it (CoNSeP's 4 types here).
        for (int type = 1; type <= 4; type++) {
            assertTrue(header.contains("type_" + type), "type_" + type + " in " + header);
        }
        assertTrue(!header.contains("type_5"), header.toString());
    }

    private static String[] concat(String command, String[] common, String... more) {
        String[] out = new String[1 + common.length + more.length];
        out[0] = command;
        System.arraycopy(common, 0, out, 1, common.length);
        System.arraycopy(more, 0, out, 1 + common.length, more.length);
        return out;
    }
}
