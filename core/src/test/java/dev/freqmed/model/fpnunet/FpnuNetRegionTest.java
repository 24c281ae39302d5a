package dev.freqmed.model.fpnunet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.freqmed.data.FloatImage;
import dev.freqmed.infer.InstanceLabels;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PredictionOutput;
import dev.freqmed.infer.PreparedImage;
import dev.freqmed.infer.RegionPredictor;
import dev.freqmed.infer.SlidingWindowInferer;
import dev.freqmed.post.HvTargets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Region-by-region prediction of a large image ({@link RegionPredictor}) against one pass over
 * the whole image, with a stand-in network that predicts the ground truth: every nucleus comes
 * out once, also those that straddle a region's core border, and the objects are the ones the
 * whole-image pass finds, pixel for pixel.
 */
class FpnuNetRegionTest {

    private static final int W = 400;
    private static final int H = 300;
    private static final int REGION = 128;

    /** Ellipses placed at random, plus some centred on core borders (x or y = 128, 256). */
    private static List<int[]> nuclei() {
        List<int[]> out = new ArrayList<>();
        out.add(new int[] {128, 70, 9, 12});
        out.add(new int[] {60, 128, 11, 8});
        out.add(new int[] {128, 256, 10, 10});
        out.add(new int[] {200, 255, 7, 13});
        out.add(new int[] {257, 129, 8, 9});
        Random r = new Random(7);
        while (out.size() < 45) {
            int[] e = {14 + r.nextInt(H - 28), 14 + r.nextInt(W - 28), 5 + r.nextInt(7),
                5 + r.nextInt(7)};
            boolean apart = true;
            for (int[] o : out) {
                double d = Math.hypot(o[0] - e[0], o[1] - e[1]);
                apart &= d > Math.max(o[2], o[3]) + Math.max(e[2], e[3]) + 3;
            }
            if (apart) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void regionsFindTheObjectsOfTheWholeImageOnce() throws Exception {
        List<int[]> nuclei = nuclei();
        int[] truth = new int[W * H];
        for (int k = 0; k < nuclei.size(); k++) {
            int[] e = nuclei.get(k);
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    double dy = (y - e[0]) / (double) e[2];
                    double dx = (x - e[1]) / (double) e[3];
                    if (dy * dy + dx * dx <= 1) {
                        truth[y * W + x] = k + 1;
                    }
                }
            }
        }
        float[][] hv = HvTargets.compute(truth, H, W);
        float[] px = new float[3 * W * H];
        for (int i = 0; i < truth.length; i++) {
            px[i] = truth[i] > 0 ? 255f : 0f;
            px[W * H + i] = (hv[0][i] + 1f) * 127.5f;
            px[2 * W * H + i] = (hv[1][i] + 1f) * 127.5f;
        }
        FloatImage image = new FloatImage(3, H, W, px);
        FpnuNetTask task = new FpnuNetTask(FpnuNetConfig.tiny());
        FpnuNetTilingTest.MapEcho net = new FpnuNetTilingTest.MapEcho();
        try (NDManager m = NDManager.newBaseManager()) {
            SlidingWindowInferer windows = new SlidingWindowInferer(64, 32, 4,
                    SlidingWindowInferer.Blending.GAUSSIAN, null);
            RegionPredictor.RegionModel model = region -> {
                PreparedImage prepared = task.preprocess(region);
                return task.postprocess(m, windows.run(m, net, task, prepared.input()), prepared);
            };
            InstanceLabels whole = InstanceLabels.of(model.run(image), image, "whole");
            List<int[]> progress = new ArrayList<>();
            RegionPredictor regions = new RegionPredictor(model, REGION, 48);
            assertEquals(12, regions.regions(W, H));
            InstanceLabels pieces = regions.run(RegionPredictor.PixelSource.of(image),
                    (done, total, objects) -> progress.add(new int[] {done, total, objects}));
            assertEquals(12, progress.size());
            assertEquals(nuclei.size(), progress.get(11)[2]);

            // Every true nucleus got exactly one label, and no label lies outside the nuclei.
            assertEquals(nuclei.size(), whole.count());
            assertEquals(nuclei.size(), pieces.count());
            for (int k = 1; k <= nuclei.size(); k++) {
                Map<Integer, Integer> seen = new HashMap<>();
                for (int i = 0; i < truth.length; i++) {
                    if (truth[i] == k && pieces.labels()[i] > 0) {
                        seen.merge(pieces.labels()[i], 1, Integer::sum);
                    }
                }
                assertEquals(1, seen.size(), "nucleus " + k + " " + java.util.Arrays.toString(
                        nuclei.get(k - 1)) + " got labels " + seen);
            }
            // The same objects as the whole-image pass: a one-to-one relabelling.
            Map<Integer, Integer> toWhole = new HashMap<>();
            Map<Integer, Integer> toPieces = new HashMap<>();
            for (int i = 0; i < truth.length; i++) {
                int a = pieces.labels()[i];
                int b = whole.labels()[i];
                assertEquals(a == 0, b == 0, "foreground differs at pixel " + i);
                if (a > 0) {
                    assertEquals(b, (int) toWhole.computeIfAbsent(a, k -> b));
                    assertEquals(a, (int) toPieces.computeIfAbsent(b, k -> a));
                    assertEquals(whole.types()[i], pieces.types()[i]);
                }
            }
            assertTrue(toWhole.size() == nuclei.size());
            // Each object's class probability, and the image assembled from the regions' cores.
            for (Map.Entry<Integer, Integer> e : toWhole.entrySet()) {
                assertEquals(whole.typeProbability()[e.getValue() - 1],
                        pieces.typeProbability()[e.getKey() - 1]);
            }
            assertTrue(whole.typeProbability()[0] > 0.5f, "class probability of a nucleus");
            org.junit.jupiter.api.Assertions.assertArrayEquals(whole.image().data(),
                    pieces.image().data());
        }
    }

    @Test
    void badRegionSettingsAreRefused() {
        RegionPredictor.RegionModel none = region -> new Prediction(Map.of(
                PredictionOutput.INSTANCES, FloatImage.zeros(1, region.height(),
                        region.width())), Map.of());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new RegionPredictor(none, 0, 16));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new RegionPredictor(none, 64, -1));
    }
}
