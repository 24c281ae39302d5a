package dev.freqmed.post;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class HvTargetsTest {

    /** Reference targets of synthetic ellipses (see testdata/nuclei-post/README.md), to 1e-7. */
    @Test
    void matchesReferenceOnSyntheticEllipses() throws IOException {
        List<String> lines = Files.readAllLines(
                PostFixtures.TESTDATA.resolve("nuclei-post").resolve("hv_ellipses.txt"));
        String[] hw = lines.get(0).substring(2).trim().split(" ");
        int h = Integer.parseInt(hw[0]);
        int w = Integer.parseInt(hw[1]);
        int[] ids = new int[h * w];
        float[][] expected = new float[2][h * w];
        for (int y = 0; y < h; y++) {
            String[] a = lines.get(1 + y).trim().split(" ");
            String[] b = lines.get(1 + h + y).trim().split(" ");
            String[] c = lines.get(1 + 2 * h + y).trim().split(" ");
            for (int x = 0; x < w; x++) {
                ids[y * w + x] = Integer.parseInt(a[x]);
                expected[0][y * w + x] = Float.parseFloat(b[x]);
                expected[1][y * w + x] = Float.parseFloat(c[x]);
            }
        }
        float[][] hv = HvTargets.compute(ids, h, w);
        int nonZero = 0;
        int channelsDiffer = 0;
        for (int i = 0; i < h * w; i++) {
            assertEquals(expected[0][i], hv[0][i], 1e-7, "channel 0 at " + i);
            assertEquals(expected[1][i], hv[1][i], 1e-7, "channel 1 at " + i);
            if (expected[0][i] != 0) {
                nonZero++;
            }
            if (Math.abs(expected[0][i] - expected[1][i]) > 0.1) {
                channelsDiffer++;
            }
            if (ids[i] == 5 || ids[i] == 0) {
                assertEquals(0f, hv[0][i], "no target below 30 px or on background");
                assertEquals(0f, hv[1][i]);
            }
        }
        assertTrue(nonZero > 300, "fixture is non-trivial: " + nonZero);
        assertTrue(channelsDiffer > 200, "channels are distinct ramps: " + channelsDiffer);
    }

    /** Channel 0 ramps along rows, channel 1 along columns (FPNuNet's convention). */
    @Test
    void channelZeroRampsAlongRows() {
        int h = 20;
        int w = 20;
        int[] ids = new int[h * w];
        for (int y = 5; y < 15; y++) {
            for (int x = 4; x < 16; x++) {
                ids[y * w + x] = 9;
            }
        }
        float[][] hv = HvTargets.compute(ids, h, w);
        // Along a row inside the block channel 0 is constant and channel 1 increases.
        assertEquals(hv[0][10 * w + 5], hv[0][10 * w + 14]);
        assertTrue(hv[1][10 * w + 5] < 0 && hv[1][10 * w + 14] > 0);
        // Down a column channel 0 increases.
        assertTrue(hv[0][6 * w + 8] < hv[0][13 * w + 8]);
    }

    @Test
    void rejectsNegativeIdsAndWrongSizes() {
        assertThrows(IllegalArgumentException.class,
                () -> HvTargets.compute(new int[] {0, -1, 0, 0}, 2, 2));
        assertThrows(IllegalArgumentException.class,
                () -> HvTargets.compute(new int[5], 2, 2));
    }
}
