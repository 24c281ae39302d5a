package dev.freqmed.metric.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The image-processing steps against outputs of scipy 1.10.1 and scikit-image 0.19.3 stored in
 * {@code testdata/metrics-image/reference.json} (see the README there).
 */
class ImageStepsTest {

    private static JsonNode reference() throws IOException {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(p.resolve("testdata/metrics-image"))) {
            p = p.getParent();
        }
        Path file = p.resolve("testdata/metrics-image/reference.json");
        return new ObjectMapper().readTree(file.toFile());
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static boolean[] flags(JsonNode a) {
        boolean[] out = new boolean[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt() != 0;
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> distanceTransformMatchesScipyIncludingTies() throws IOException {
        return Stream.of(reference().get("edt")).flatMap(a -> {
            Stream.Builder<JsonNode> b = Stream.builder();
            a.forEach(b::add);
            return b.build();
        }).map(c -> DynamicTest.dynamicTest(c.get("h") + "x" + c.get("w"), () -> {
            int h = c.get("h").asInt();
            int w = c.get("w").asInt();
            DistanceTransform dt = DistanceTransform.compute(flags(c.get("feature")), w, h);
            int[] nearest = ints(c.get("nearest"));
            int[] sq = ints(c.get("squared"));
            for (int i = 0; i < w * h; i++) {
                assertEquals(nearest[i], dt.nearest(i), "nearest feature of pixel " + i);
                assertEquals(sq[i], dt.squaredDistance(i), "squared distance of pixel " + i);
            }
        }));
    }

    @Test
    void distanceTransformIsExactOnRandomMasks() {
        Random rnd = new Random(3);
        int w = 37;
        int h = 29;
        boolean[] f = new boolean[w * h];
        for (int i = 0; i < f.length; i++) {
            f[i] = rnd.nextDouble() < 0.05;
        }
        DistanceTransform dt = DistanceTransform.compute(f, w, h);
        for (int p = 0; p < f.length; p++) {
            long best = Long.MAX_VALUE;
            for (int q = 0; q < f.length; q++) {
                if (f[q]) {
                    long dy = p / w - q / w;
                    long dx = p % w - q % w;
                    best = Math.min(best, dy * dy + dx * dx);
                }
            }
            assertEquals(best, dt.squaredDistance(p));
        }
    }

    @Test
    void distanceTransformIntoReusedArraysEqualsTheAllocatingOne() {
        Random rnd = new Random(5);
        int[] scratch = new int[2000];
        int[] nearest = new int[2000];
        int[] squared = new int[2000];
        // Larger image first, so the second call runs on arrays longer than it needs; the last
        // mask has no feature at all.
        int[][] sizes = {{40, 31}, {17, 23}, {9, 7}};
        for (int k = 0; k < sizes.length; k++) {
            int w = sizes[k][0];
            int h = sizes[k][1];
            boolean[] f = new boolean[w * h];
            for (int i = 0; i < f.length && k < 2; i++) {
                f[i] = rnd.nextDouble() < 0.04;
            }
            DistanceTransform dt = DistanceTransform.compute(f, w, h);
            DistanceTransform.computeInto(f, w, h, scratch, nearest, squared);
            for (int p = 0; p < f.length; p++) {
                assertEquals(dt.nearest(p), nearest[p], "nearest feature of pixel " + p);
                long expected = Math.min(dt.squaredDistance(p), Integer.MAX_VALUE);
                assertEquals(expected, squared[p], "squared distance of pixel " + p);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> DistanceTransform.computeInto(
                new boolean[100], 10, 10, new int[99], new int[100], new int[100]));
    }

    @Test
    void skeletonIntoReusedArraysEqualsTheAllocatingOne() {
        Random rnd = new Random(9);
        byte[] work = new byte[Skeleton.workSize(60, 50)];
        byte[] out = new byte[60 * 50];
        Arrays.fill(work, (byte) 1);
        Arrays.fill(out, (byte) 7);
        int[][] sizes = {{60, 50}, {23, 31}, {12, 5}};
        for (int[] size : sizes) {
            int w = size[0];
            int h = size[1];
            boolean[] m = new boolean[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    m[y * w + x] = (x - w / 2) * (x - w / 2) + 2 * (y - h / 2) * (y - h / 2)
                            < w * h / 4 || rnd.nextDouble() < 0.1;
                }
            }
            boolean[] expected = Skeleton.skeletonize(m, w, h);
            Skeleton.skeletonizeInto(m, w, h, work, out);
            for (int i = 0; i < m.length; i++) {
                assertEquals(expected[i] ? 1 : 0, out[i], "skeleton pixel " + i);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Skeleton.skeletonizeInto(
                new boolean[100], 10, 10, new byte[Skeleton.workSize(10, 10) - 1], out));
    }

    @TestFactory
    Stream<DynamicTest> skeletonMatchesScikitImage019() throws IOException {
        JsonNode all = reference().get("skeleton");
        Stream.Builder<DynamicTest> b = Stream.builder();
        for (JsonNode c : all) {
            b.add(DynamicTest.dynamicTest(c.get("h") + "x" + c.get("w"), () -> {
                int h = c.get("h").asInt();
                int w = c.get("w").asInt();
                boolean[] sk = Skeleton.skeletonize(flags(c.get("mask")), w, h);
                assertArrayEquals(flags(c.get("skeleton")), sk);
            }));
        }
        return b.build();
    }

    @TestFactory
    Stream<DynamicTest> assignmentMatchesScipyOnTies() throws IOException {
        JsonNode all = reference().get("assignment");
        Stream.Builder<DynamicTest> b = Stream.builder();
        for (JsonNode c : all) {
            b.add(DynamicTest.dynamicTest(c.get("rows") + "x" + c.get("cols"), () -> {
                double[] cost = new double[c.get("cost").size()];
                for (int i = 0; i < cost.length; i++) {
                    cost[i] = c.get("cost").get(i).asDouble();
                }
                int[][] r = LinearAssignment.solve(cost, c.get("rows").asInt(),
                        c.get("cols").asInt());
                assertArrayEquals(ints(c.get("row_ind")), r[0]);
                assertArrayEquals(ints(c.get("col_ind")), r[1]);
            }));
        }
        return b.build();
    }

    @Test
    void pairwiseSumGivesNumpysBits() {
        // np.sum of these arrays with numpy 1.24.2; naive left-to-right sums differ in the last
        // bits.
        double[] a = new double[1000];
        for (int i = 0; i < a.length; i++) {
            a[i] = 0.1 * (i % 7) + 1e-17 * i;
        }
        assertEquals(299.70000000000505, PairwiseSum.sum(a), 0.0);
        double[] b = new double[5000];
        for (int k = 0; k < b.length; k++) {
            b[k] = 0.1 * ((k * 7919) % 13) - 0.6;
        }
        assertEquals(-0.49999999999966915, PairwiseSum.sum(b), 0.0);
        assertEquals(0.0, PairwiseSum.windowSum(a, 10, 3, 3, 0, 10), 0.0);
    }
}
