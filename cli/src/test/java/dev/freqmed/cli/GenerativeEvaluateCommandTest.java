package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.config.Configs;
import dev.freqmed.io.Manifest;
import dev.freqmed.io.ModelCheckpoint;
import dev.freqmed.model.frcunet.FrcuNet;
import dev.freqmed.model.frcunet.FrcuNetConfig;
import dev.freqmed.model.frcunet.FrcuNetTask;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate --task fid|kid} on image folders with a FreqMed checkpoint as feature extractor
 * ({@code --features}), the reference's statistics saved with {@code --save-stats} and reused as
 * {@code --gt}; the JSON names the extractor and gives KID's spread over subsets.
 */
class GenerativeEvaluateCommandTest {

    private static void images(Path dir, long seed, int base) throws Exception {
        Files.createDirectories(dir);
        Random r = new Random(seed);
        for (int i = 0; i < 4; i++) {
            BufferedImage bi = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 40; y++) {
                for (int x = 0; x < 40; x++) {
                    int v = Math.min(255, base + r.nextInt(80) + (x * i) % 50);
                    bi.setRGB(x, y, v << 16 | (v / 3) << 8 | (255 - v));
                }
            }
            ImageIO.write(bi, "png", dir.resolve("im" + i + ".png").toFile());
        }
    }

    private static String[] run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), args);
        return new String[] {Integer.toString(code), o.toString(), e.toString()};
    }

    @Test
    void imageFoldersScoreThroughACheckpointAndSavedStatistics(@TempDir Path tmp)
            throws Exception {
        FrcuNetConfig cfg = FrcuNetConfig.tiny();
        Path model = tmp.resolve("model");
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(5);
            FrcuNet net = new FrcuNet(cfg);
            net.initialize(m, DataType.FLOAT32, new FrcuNetTask(cfg).inputShape());
            ModelCheckpoint.save(model, net, Manifest.of("frcunet", Configs.toMap(cfg)));
        }
        images(tmp.resolve("a"), 1, 20);
        images(tmp.resolve("b"), 2, 150);
        Path stats = tmp.resolve("b.stats");
        Path json = tmp.resolve("kid.json");
        String[] r = run("evaluate", "--task", "kid", "--pred", tmp.resolve("a").toString(),
                "--gt", tmp.resolve("b").toString(), "--features", model.toString(),
                "--save-stats", stats.toString(), "--kid-subsets", "10", "--out",
                json.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("features: 4/4 images"), r[2]);
        JsonNode kid = new ObjectMapper().readTree(json.toFile());
        assertTrue(kid.get("extractor").asText().startsWith("freqmed:frcunet (model)"),
                kid.toString());
        assertTrue(kid.get("kid").asDouble() > 0, kid.toString());
        assertTrue(kid.get("kid_std").asDouble() >= 0, kid.toString());
        assertTrue(Files.isRegularFile(stats));
        String[] direct = run("evaluate", "--task", "fid", "--pred", tmp.resolve("a").toString(),
                "--gt", tmp.resolve("b").toString(), "--features", model.toString());
        String[] reused = run("evaluate", "--task", "fid", "--pred", tmp.resolve("a").toString(),
                "--gt", stats.toString(), "--features", model.toString());
        assertEquals("0", reused[0], reused[2]);
        String fid = direct[1].replaceAll("(?s).*FID\\s+(\\S+).*", "$1");
        assertEquals(fid, reused[1].replaceAll("(?s).*FID\\s+(\\S+).*", "$1"), reused[1]);
        assertTrue(Double.parseDouble(fid) > 0, direct[1]);
        String[] self = run("evaluate", "--task", "fid", "--pred", tmp.resolve("a").toString(),
                "--gt", tmp.resolve("a").toString(), "--features", model.toString());
        double fidSelf = Double.parseDouble(self[1].replaceAll("(?s).*FID\\s+(\\S+).*", "$1"));
        assertTrue(Math.abs(fidSelf) < 1e-4 * Double.parseDouble(fid), self[1]);
        String[] none = run("evaluate", "--task", "fid", "--pred", tmp.resolve("a").toString(),
                "--gt", tmp.resolve("b").toString());
        assertNotEquals("0", none[0]);
        assertTrue(none[2].contains("a folder of images"), none[2]);
    }
}
