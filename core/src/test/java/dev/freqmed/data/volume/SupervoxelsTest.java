package dev.freqmed.data.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.data.nifti.NiftiReader;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.data.nifti.NiftiWriter;
import dev.freqmed.train.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervoxels on volumes small enough to follow by hand: which edges the two passes join, the
 * spacing weights, the body mask, relabelling, and the folder runner.
 */
class SupervoxelsTest {

    @TempDir
    Path tmp;

    @Test
    void lineFollowsTheMinSizePassInCostOrder() {
        // 255-scaled values 0, 17, 85, 93.5, 255: edge costs 17, 68, 8.5, 161.5, none below
        // k = 1/255, so pass 1 joins nothing. Pass 2 (min size 2) in cost order: (2,3) joins,
        // (0,1) joins, (1,2) joins two components of size 2 -> skipped, (3,4) joins.
        int[] seg = Felzenszwalb3d.segment(new float[] {0, 2, 10, 11, 30}, 5, 1, 1, 1, 2, 1);
        assertArrayEquals(new int[] {0, 0, 1, 1, 1}, seg);
        // Min size 1: nothing joins at all.
        assertArrayEquals(new int[] {0, 1, 2, 3, 4},
                Felzenszwalb3d.segment(new float[] {0, 2, 10, 11, 30}, 5, 1, 1, 1, 1, 1));
    }

    @Test
    void equalNeighboursJoinInThresholdPassAndMinSizeMergesHalves() {
        float[] v = new float[4 * 4 * 2];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 4) < 2 ? 100 : 200;
        }
        // Each constant half (16 voxels) joins in pass 1 (cost 0 < k/|a|).
        assertEquals(2, count(Felzenszwalb3d.segment(v, 4, 4, 2, 1, 16, 1)));
        assertEquals(2, count(Felzenszwalb3d.segment(v, 4, 4, 2, 1, 1, 1)));
        // Min size 17: the halves are too small and merge.
        assertEquals(1, count(Felzenszwalb3d.segment(v, 4, 4, 2, 1, 17, 1)));
    }

    @Test
    void sliceSpacingDecidesWhichNeighboursJoinFirst() {
        // Voxels (x, z): (0,0)=0, (1,0)=20, (0,1)=10, (1,1)=30; 255/30 per unit.
        float[] v = {0, 20, 10, 30};
        // s = 1: z edges cost 85, in-plane 170: the columns join first -> split along x.
        assertArrayEquals(new int[] {0, 1, 0, 1}, Felzenszwalb3d.segment(v, 2, 1, 2, 1, 2, 1));
        // s = 3: z edges cost 255, z-diagonal 85·sqrt(5) = 190, in-plane 170: the rows join.
        assertArrayEquals(new int[] {0, 0, 1, 1}, Felzenszwalb3d.segment(v, 2, 1, 2, 1, 2, 3));
        double[] w = Felzenszwalb3d.weights(3);
        assertEquals(1, w[0]);
        assertEquals(9, w[4]);
        assertEquals(5, w[5]);
        assertEquals(11.0 / 3, w[12], 1e-12);
    }

    @Test
    void bodyMaskKeepsTheLargestComponentAndFillsItsHoles() {
        // 9x5 slice: an 18-voxel ring-and-stem shape with a 3-voxel hole (row 3), and a
        // separate 2-voxel blob in column 8.
        String[] rows = {
            "##...#..#",
            "##...#..#",
            ".#####...",
            ".#...#...",
            ".#####..."};
        int nx = 9;
        int ny = 5;
        double[] v = new double[nx * ny];
        for (int y = 0; y < ny; y++) {
            for (int x = 0; x < nx; x++) {
                v[x + nx * y] = rows[y].charAt(x) == '#' ? 50 : 0;
            }
        }
        byte[] m = BodyMask.compute(v, nx, ny, 1, 10);
        // The blob is dropped, the hole filled, the open bay at rows 0-1 stays background.
        int inside = 0;
        for (byte b : m) {
            inside += b;
        }
        assertEquals(18 + 3, inside);
        assertEquals(0, m[8]);
        assertEquals(1, m[2 + nx * 3]);
        assertEquals(0, m[2 + nx * 0]);
        assertEquals(0, m[6 + nx * 2]);
        assertEquals(1, m[1 + nx * 2]);
    }

    @Test
    void supervoxelVolumeMasksTheBodyAndRenamesSegmentZero() {
        NiftiVolume vol = new NiftiVolume(new int[] {5, 1, 1}, new float[] {1, 1, 1}, 16, 0, 0,
                new float[] {0, 2, 10, 11, 30});
        NiftiVolume sv = Supervoxels.compute(vol, 2);
        // Segments [0, 0, 1, 1, 1]; 0 becomes 2; voxel 0 (value 0 <= 10 after scaling) is
        // outside the body.
        assertArrayEquals(new float[] {0, 2, 1, 1, 1}, sv.data());
        assertEquals(8, sv.datatype());
    }

    @Test
    void folderRunIsDeterministicAndKeepsTheGrid() throws IOException {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Random r = new Random(3);
        for (int k = 0; k < 3; k++) {
            float[] d = new float[12 * 10 * 6];
            for (int i = 0; i < d.length; i++) {
                int x = i % 12;
                d[i] = (x < 6 ? 40 : 120) + r.nextInt(30);
            }
            NiftiWriter.write(in.resolve("image_" + k + ".nii.gz"), new NiftiVolume(
                    new int[] {12, 10, 6}, new float[] {1.5f, 1.5f, 4f}, 16, 0, 0, d));
        }
        List<String> messages = Collections.synchronizedList(new ArrayList<>());
        ProgressListener listen = new ProgressListener() {
            @Override
            public void message(String text) {
                messages.add(text);
            }
        };
        List<Path> one = Supervoxels.run(in, tmp.resolve("a"), 40, 1, listen);
        List<Path> two = Supervoxels.run(in, tmp.resolve("b"), 40, 2, ProgressListener.NONE);
        assertEquals(3, one.size());
        assertEquals(3, messages.size());
        assertTrue(messages.get(0).contains("supervoxels 1/3"), messages.get(0));
        for (int k = 0; k < 3; k++) {
            assertEquals("supervoxels_" + k + ".nii.gz", one.get(k).getFileName().toString());
            NiftiVolume a = NiftiReader.read(one.get(k));
            NiftiVolume b = NiftiReader.read(two.get(k));
            assertArrayEquals(a.data(), b.data());
            assertArrayEquals(new float[] {1.5f, 1.5f, 4f}, a.spacing());
            int n = count(toInt(a.data()));
            assertTrue(n >= 2 && n <= 720 / 40 + 1, "supervoxels: " + n);
        }
    }

    @Test
    void folderWithoutVolumesIsRefused() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IOException e = assertThrows(IOException.class,
                () -> Supervoxels.run(empty, tmp.resolve("o"), 10, 1, ProgressListener.NONE));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    private static int[] toInt(float[] f) {
        int[] o = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            o[i] = (int) f[i];
        }
        return o;
    }

    /** The log's count: distinct ids inside the body, not the largest id. */
    @Test
    void insideCountSkipsGapsAndBackground() {
        assertEquals(3, Supervoxels.insideCount(new float[] {0, 7, 7, 2, 0, 9, 2}));
        assertEquals(0, Supervoxels.insideCount(new float[] {0, 0}));
    }

    private static int count(int[] labels) {
        return (int) java.util.Arrays.stream(labels).filter(x -> x > 0).distinct().count()
                + (java.util.Arrays.stream(labels).anyMatch(x -> x == 0) ? 1 : 0);
    }
}
