package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import dev.freqmed.config.Configs;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.Manifest;
import dev.freqmed.io.ModelCheckpoint;
import dev.freqmed.io.RgbImage;
import dev.freqmed.model.diffusionffpe.DiffusionFfpe;
import dev.freqmed.model.diffusionffpe.DiffusionFfpeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code freqmed translate} with a tiny Diffusion-FFPE checkpoint: one window over an image that
 * fits it equals the untiled pass; the seeded noise repeats and differs from the posterior mean;
 * a grey input is converted and translated at its size; a missing input fails clearly.
 */
class TranslateCommandTest {

    @TempDir
    static Path tmp;

    static Path model;
    static Path rgb;
    static Path grey;

    @BeforeAll
    static void setUp() throws Exception {
        model = tmp.resolve("model");
        DiffusionFfpeConfig cfg = DiffusionFfpeConfig.tiny();
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(8);
            Block net = new DiffusionFfpe(cfg);
            net.initialize(m, DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 3, 64, 64));
            ModelCheckpoint.save(model, net, Manifest.of("diffusion-ffpe", Configs.toMap(cfg)));
        }
        Random r = new Random(4);
        byte[] px = new byte[75 * 90 * 3];
        r.nextBytes(px);
        rgb = tmp.resolve("in/tile.png");
        Files.createDirectories(rgb.getParent());
        ImageIo.writeRgb(rgb, new RgbImage(90, 75, px));
        byte[] g = new byte[40 * 50];
        r.nextBytes(g);
        int[] gi = new int[g.length];
        for (int i = 0; i < g.length; i++) {
            gi[i] = g[i] & 0xff;
        }
        grey = tmp.resolve("grey/g.png");
        Files.createDirectories(grey.getParent());
        ImageIo.writeGray8(grey, new GrayImage(50, 40, 8, gi));
    }

    private static byte[] translate(String out, String... extra) throws Exception {
        String[] base = {"translate", "--model", model.toString(), "--input", rgb.toString(),
            "--output", tmp.resolve(out).toString(), "--device", "cpu"};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(0, r.code(), r.err() + r.out());
        RgbImage img = ImageIo.readRgb(tmp.resolve(out).resolve("images/tile.png"));
        assertEquals(90, img.width());
        assertEquals(75, img.height());
        return img.data();
    }

    @Test
    void oneWindowEqualsTheUntiledPassAndTheSeedRepeats() throws Exception {
        byte[] whole = translate("whole", "--deterministic");
        byte[] tiled = translate("tiled", "--deterministic", "--tile", "192", "--overlap", "64");
        assertArrayEquals(whole, tiled);
        byte[] seeded = translate("seeded", "--seed", "3");
        assertArrayEquals(seeded, translate("seeded-again", "--seed", "3"));
        assertFalse(java.util.Arrays.equals(seeded, whole), "noise made no difference");
    }

    @Test
    void greyInputIsConvertedAndTranslated() throws Exception {
        CliRunner.Result r = CliRunner.run("translate", "--model", model.toString(), "--input",
                grey.toString(), "--output", tmp.resolve("grey-out").toString(), "--device",
                "cpu", "--tile", "64", "--overlap", "16");
        assertEquals(0, r.code(), r.err());
        RgbImage img = ImageIo.readRgb(tmp.resolve("grey-out/images/g.png"));
        assertEquals(50, img.width());
        assertEquals(40, img.height());
    }

    @Test
    void badTileOrMissingInputFailsClearly() {
        CliRunner.Result r = CliRunner.run("translate", "--model", model.toString(), "--input",
                rgb.toString(), "--output", tmp.resolve("bad").toString(), "--tile", "100");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("64"), r.err());
        CliRunner.Result missing = CliRunner.run("translate", "--model", model.toString(),
                "--input", tmp.resolve("nope.png").toString(), "--output",
                tmp.resolve("bad2").toString());
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("nope.png"), missing.err());
    }
}
