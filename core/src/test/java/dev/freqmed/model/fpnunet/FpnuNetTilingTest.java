package dev.freqmed.model.fpnunet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.data.FloatImage;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PredictionOutput;
import dev.freqmed.infer.PreparedImage;
import dev.freqmed.infer.SlidingWindowInferer;
import dev.freqmed.post.HvTargets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Tiled prediction of a large image: maps are stitched first and the watershed runs once, so a
 * nucleus cut by a window border comes out as one instance, and tiled equals untiled.
 */
class FpnuNetTilingTest {

    private static final int SIDE = 256;

    /** Ellipses (centre y, centre x, radius y, radius x); the first two straddle borders. */
    private static final int[][] NUCLEI = {
        {96, 60, 9, 14}, {40, 96, 12, 7}, {150, 150, 8, 8}, {200, 40, 10, 6}, {60, 200, 7, 11},
        {96, 96, 6, 6}
    };

    @Test
    void nucleusOnAWindowBorderComesOutOnce() {
        int[] inst = new int[SIDE * SIDE];
        for (int k = 0; k < NUCLEI.length; k++) {
            int[] e = NUCLEI[k];
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    double dy = (y - e[0]) / (double) e[2];
                    double dx = (x - e[1]) / (double) e[3];
                    if (dy * dy + dx * dx <= 1) {
                        inst[y * SIDE + x] = k + 1;
                    }
                }
            }
        }
        float[][] hv = HvTargets.compute(inst, SIDE, SIDE);
        // An "image" whose channels carry NP and the HV targets, read back by the fake network.
        float[] px = new float[3 * SIDE * SIDE];
        for (int i = 0; i < inst.length; i++) {
            px[i] = inst[i] > 0 ? 255f : 0f;
            px[SIDE * SIDE + i] = (hv[0][i] + 1f) * 127.5f;
            px[2 * SIDE * SIDE + i] = (hv[1][i] + 1f) * 127.5f;
        }
        FpnuNetTask task = new FpnuNetTask(FpnuNetConfig.tiny());
        FloatImage image = new FloatImage(3, SIDE, SIDE, px);
        try (NDManager m = NDManager.newBaseManager()) {
            PreparedImage prepared = task.preprocess(image);
            MapEcho net = new MapEcho();
            Map<String, FloatImage> tiledMaps = new SlidingWindowInferer(96, 32, 2,
                    SlidingWindowInferer.Blending.GAUSSIAN, null).run(m, net, task,
                    prepared.input());
            Map<String, FloatImage> wholeMaps = SlidingWindowInferer.whole().run(m, net, task,
                    prepared.input());
            Prediction tiled = task.postprocess(m, tiledMaps, prepared);
            Prediction whole = task.postprocess(m, wholeMaps, prepared);
            float[] labels = tiled.get(PredictionOutput.INSTANCES).data();
            assertEquals(NUCLEI.length, tiled.summary().get("nuclei"));
            for (int k = 0; k < NUCLEI.length; k++) {
                Set<Float> seen = new HashSet<>();
                for (int i = 0; i < inst.length; i++) {
                    if (inst[i] == k + 1 && labels[i] > 0) {
                        seen.add(labels[i]);
                    }
                }
                assertEquals(1, seen.size(), "nucleus " + k + " got labels " + seen);
            }
            assertArrayEquals(whole.get(PredictionOutput.INSTANCES).data(), labels);
            float[] types = tiled.get(PredictionOutput.TYPES).data();
            for (int i = 0; i < types.length; i++) {
                assertTrue(types[i] == (labels[i] > 0 ? 1f : 0f));
            }
        }
    }

    /**
     * Returns NP logits, HV and type logits read from the input channels: the stand-in for a
     * trained network that predicts the ground truth.
     */
    static final class MapEcho extends AbstractBlock {
        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow().add(1f); // undo the task's minus one
            NDArray np = x.get(new NDIndex(":, 0:1")).div(255f);
            NDArray logit = np.mul(20f).sub(10f);
            NDArray hv = x.get(new NDIndex(":, 1:3")).div(127.5f).sub(1f);
            NDArray bg = np.neg().add(1f).mul(10f);
            NDArray fg = np.mul(10f);
            NDArray zero = np.zerosLike();
            NDArray nc = NDArrays.concat(new NDList(bg, fg, zero, zero, zero), 1);
            return new NDList(logit, logit, hv, nc);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape s = inputShapes[0];
            return new Shape[] {new Shape(s.get(0), 1, s.get(2), s.get(3))};
        }
    }
}
