package dev.freqmed.post;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import dev.freqmed.train.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NucleusReportTest {

    // Colours and their decadic DAB OD (6 x skimage.color.rgb2hed, scikit-image 0.19.3).
    private static final int[][] COLOURS = {
        {60, 80, 160}, {225, 200, 170}, {200, 160, 120}, {170, 120, 70}};
    private static final double[] DAB = {0.0, 0.23256702, 0.42901988, 0.74118725};

    /** Four 4x4 nuclei (types 1, 1, 2, 2) scoring 0, 1+, 2+ and 3+ on a white 20x20 tile. */
    private static void writeTile(Path pred, Path images, String stem, boolean withImage)
            throws IOException {
        int w = 20;
        int h = 20;
        int[] inst = new int[w * h];
        int[] type = new int[w * h];
        byte[] px = new byte[w * h * 3];
        java.util.Arrays.fill(px, (byte) 255);
        int[][] corners = {{1, 1}, {1, 10}, {10, 1}, {10, 10}};
        for (int k = 0; k < 4; k++) {
            for (int y = corners[k][0]; y < corners[k][0] + 4; y++) {
                for (int x = corners[k][1]; x < corners[k][1] + 4; x++) {
                    int p = y * w + x;
                    inst[p] = 10 + k;
                    type[p] = k < 2 ? 1 : 2;
                    for (int c = 0; c < 3; c++) {
                        px[3 * p + c] = (byte) COLOURS[k][c];
                    }
                }
            }
        }
        ImageIo.writeGray16(pred.resolve("instances").resolve(stem + ".png"),
                new GrayImage(w, h, 16, inst));
        ImageIo.writeGray8(pred.resolve("types").resolve(stem + ".png"),
                new GrayImage(w, h, 8, type));
        if (withImage) {
            ImageIo.writeRgb(images.resolve(stem + ".png"), new RgbImage(w, h, px));
        }
    }

    @Test
    void countsDensityPositivityAndHScore(@TempDir Path dir) throws IOException {
        Path pred = dir.resolve("pred");
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(pred.resolve("instances"));
        Files.createDirectories(pred.resolve("types"));
        writeTile(pred, images, "a", true);
        writeTile(pred, images, "b", false);
        NucleusReport.Result r = NucleusReport.compute(pred, images, 0.25,
                Map.of(1, "tumour", 2, "immune"), NucleusReport.DEFAULT_THRESHOLDS,
                ProgressListener.NONE);
        assertEquals(List.of("b"), r.withoutImage());
        // Rows: a (all, 1, 2), b (all, 1, 2), total (all, 1, 2).
        assertEquals(9, r.rows().size());
        NucleusReport.Row a = r.rows().get(0);
        assertEquals("a", a.image());
        assertEquals(4, a.count());
        // 400 px of 0.25 um: 2.5e-5 mm^2.
        assertEquals(4 / 2.5e-5, a.density(), 1e-6);
        assertArrayEquals(new int[] {1, 1, 1, 1}, a.bins());
        assertEquals(75.0, a.positivityIndex(), 1e-9);
        assertEquals(150.0, a.hScore(), 1e-9);
        assertEquals((DAB[0] + DAB[1] + DAB[2] + DAB[3]) / 4, a.meanDabOd(), 1e-6);
        NucleusReport.Row a1 = r.rows().get(1);
        assertEquals("tumour", a1.typeName());
        assertEquals(50.0, a1.hScore(), 1e-9);
        NucleusReport.Row a2 = r.rows().get(2);
        assertEquals(250.0, a2.hScore(), 1e-9);
        assertEquals(100.0, a2.positivityIndex(), 1e-9);
        NucleusReport.Row b = r.rows().get(3);
        assertEquals(4, b.count());
        assertEquals(0, b.scored());
        assertTrue(Double.isNaN(b.hScore()));
        NucleusReport.Row total = r.rows().get(6);
        assertEquals("total", total.image());
        assertEquals(8, total.count());
        assertEquals(4, total.scored());
        assertEquals(8 / 5e-5, total.density(), 1e-6);
        assertEquals(150.0, total.hScore(), 1e-9);
        Path out = dir.resolve("report");
        NucleusReport.write(r, out);
        List<String> csv = Files.readAllLines(out.resolve("report.csv"));
        assertEquals(10, csv.size());
        assertTrue(csv.get(0).contains("density_per_mm2"));
        assertTrue(csv.get(7).startsWith("total,-1,all,8,800,160000.0000,4,1,1,1,1,75.00,150.0,"),
                csv.get(7));
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("tumour") && html.contains("150.0"));
    }

    @Test
    void meanDabPerNucleus() {
        byte[] px = new byte[4 * 3];
        int[][] colours = {{255, 255, 255}, COLOURS[2], COLOURS[3], COLOURS[3]};
        for (int p = 0; p < 4; p++) {
            for (int c = 0; c < 3; c++) {
                px[3 * p + c] = (byte) colours[p][c];
            }
        }
        double[] od = dev.freqmed.data.stain.HedDeconvolution.meanDabOpticalDensity(new int[] {0, 2, 2, 3},
                new RgbImage(4, 1, px));
        assertEquals(4, od.length);
        assertTrue(Double.isNaN(od[0]) && Double.isNaN(od[1]));
        assertEquals((DAB[2] + DAB[3]) / 2, od[2], 1e-6);
        assertEquals(DAB[3], od[3], 1e-6);
    }

    @Test
    void withoutPixelSizeDensityIsPerMegapixel(@TempDir Path dir) throws IOException {
        Path pred = dir.resolve("pred");
        Files.createDirectories(pred.resolve("instances"));
        Files.createDirectories(pred.resolve("types"));
        writeTile(pred, dir, "a", false);
        NucleusReport.Result r = NucleusReport.compute(pred, null, Double.NaN, Map.of(),
                NucleusReport.DEFAULT_THRESHOLDS, ProgressListener.NONE);
        assertEquals(4 / 400e-6, r.rows().get(0).density(), 1e-6);
        assertEquals("type 1", r.rows().get(1).typeName());
    }

    @Test
    void refusesEightBitInstanceMapsAndMissingFolders(@TempDir Path dir) throws IOException {
        Path pred = dir.resolve("pred");
        Files.createDirectories(pred.resolve("instances"));
        ImageIo.writeGray8(pred.resolve("instances/x.png"), new GrayImage(4, 4, 8, new int[16]));
        IOException e = assertThrows(IOException.class, () -> NucleusReport.compute(pred, null,
                Double.NaN, Map.of(), NucleusReport.DEFAULT_THRESHOLDS, ProgressListener.NONE));
        assertTrue(e.getMessage().contains("x.png") && e.getMessage().contains("16-bit"),
                e.getMessage());
        IOException missing = assertThrows(IOException.class, () -> NucleusReport.compute(
                dir.resolve("nothing"), null, Double.NaN, Map.of(),
                NucleusReport.DEFAULT_THRESHOLDS, ProgressListener.NONE));
        assertTrue(missing.getMessage().contains("instances"), missing.getMessage());
        assertFalse(Files.exists(dir.resolve("nothing")));
    }

    @Test
    void readsConsepTypeNames() throws IOException {
        Map<Integer, String> names = NucleusReport.readTypeNames(
                PostFixtures.CONSEP.resolve("types.json"));
        assertEquals("epithelial", names.get(3));
        assertEquals(5, names.size());
    }
}
