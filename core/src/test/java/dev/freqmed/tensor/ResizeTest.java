package dev.freqmed.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * Resize against torch 1.13 {@code F.interpolate}; the reference values in
 * {@code testdata/tensor/resize.json} say how they were made (field {@code made_with}).
 */
class ResizeTest {

    private static final double TOL = 1e-5;

    @Test
    void matchesTorchInterpolateForEveryModeSizeAndScale() {
        JsonNode ref = TestData.json("tensor/resize.json");
        double worst = 0;
        int checked = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x =
                    manager.create(
                            TestData.floats(ref.get("input").get("data")),
                            new Shape(TestData.longs(ref.get("input").get("shape"))));
            for (JsonNode c : ref.get("cases")) {
                Resize.Mode mode = Resize.Mode.parse(c.get("mode").asText());
                boolean ac = c.get("alignCorners").asBoolean();
                NDArray y;
                String label;
                if (c.has("size")) {
                    int h = c.get("size").get(0).asInt();
                    int w = c.get("size").get(1).asInt();
                    y = Resize.resize(x, h, w, mode, ac);
                    label = mode + " ac=" + ac + " size " + h + "x" + w;
                } else {
                    double f = c.get("scale").asDouble();
                    y = Resize.scale(x, f, mode, ac);
                    label = mode + " ac=" + ac + " scale " + f;
                }
                assertEquals(new Shape(TestData.longs(c.get("shape"))), y.getShape(), label);
                double err = TestData.maxAbsDiff(TestData.floats(c.get("data")), y.toFloatArray());
                assertTrue(err <= TOL, label + ": max abs error " + err);
                worst = Math.max(worst, err);
                checked++;
            }
        }
        assertEquals(50, checked);
        assertTrue(worst <= TOL, "worst " + worst);
    }

    @Test
    void gradientsFlowThroughEngineAndMatrixPaths() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Resize.Mode mode : Resize.Mode.values()) {
                for (boolean ac : new boolean[] {false, true}) {
                    if (mode == Resize.Mode.NEAREST && ac) {
                        continue;
                    }
                    NDArray x = manager.arange(0f, 24f).reshape(1, 2, 3, 4);
                    x.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray y = Resize.resize(x, 6, 8, mode, ac);
                        gc.backward(y.sum());
                    }
                    float[] g = x.getGradient().toFloatArray();
                    // Each output is a weighted sum whose weights add to 1, so the gradient of
                    // sum(y) sums to the number of outputs.
                    double total = 0;
                    for (float v : g) {
                        total += v;
                    }
                    assertEquals(2 * 6 * 8, total, 1e-3, mode + " ac=" + ac);
                }
            }
        }
    }

    @Test
    void resizeLikeTakesTheLastTwoAxes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.arange(0f, 24f).reshape(2, 1, 3, 4);
            NDArray like = manager.zeros(new Shape(5, 7, 6));
            NDArray y = Resize.resizeLike(x, like, Resize.Mode.BICUBIC, true);
            assertEquals(new Shape(2, 1, 7, 6), y.getShape());
            NDArray z = Resize.resize(x, 7, 6, Resize.Mode.BICUBIC, true);
            assertEquals(0.0, TestData.maxAbsDiff(z.toFloatArray(), y.toFloatArray()));
        }
    }

    @Test
    void interpolationRowsSumToOne() {
        for (Resize.Mode mode : Resize.Mode.values()) {
            float[] w = Resize.weights(7, 4, mode, false, 0);
            for (int o = 0; o < 4; o++) {
                double s = 0;
                for (int i = 0; i < 7; i++) {
                    s += w[o * 7 + i];
                }
                assertEquals(1.0, s, 1e-6, mode.toString());
            }
        }
    }

    @Test
    void nearestPicksTorchLegacySource() {
        // src = floor(dst * in / out): in 5, out 3 -> scale 5/3 -> 0, 1, 3
        float[] w = Resize.weights(5, 3, Resize.Mode.NEAREST, false, 0);
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0}, w);
    }

    @Test
    void rejectsBadArguments() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x3 = manager.zeros(new Shape(1, 4, 4));
            NDArray x4 = manager.zeros(new Shape(1, 1, 4, 4));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> Resize.resize(x3, 2, 2, Resize.Mode.BILINEAR, false));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> Resize.resize(x4, 0, 2, Resize.Mode.BILINEAR, false));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> Resize.resize(x4, 2, 2, Resize.Mode.NEAREST, true));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> Resize.scale(x4, -1, Resize.Mode.BICUBIC, false));
            assertThrows(IllegalArgumentException.class, () -> Resize.Mode.parse("area"));
        }
    }

    /**
     * torch 1.13's antialiased bicubic weights (row 0; torch computes them in float, hence the
     * tolerance), and every row sums to 1.
     */
    @Test
    void antialiasedBicubicWeightsMatchTorch() {
        float[] w = Resize.antialiasedBicubicWeights(28, 14);
        float[] torchRow0 = {0.46443516f, 0.46443516f, 0.12133891f, -0.037656903f, -0.012552301f,
            0f};
        for (int i = 0; i < torchRow0.length; i++) {
            assertEquals(torchRow0[i], w[i], 1e-6, "28->14 weight " + i);
        }
        float[] w7 = Resize.antialiasedBicubicWeights(10, 7);
        float[] torch7 = {0.69224787f, 0.35991788f, -0.051299576f, -0.00086617644f, 0f};
        for (int i = 0; i < torch7.length; i++) {
            assertEquals(torch7[i], w7[i], 1e-6, "10->7 weight " + i);
        }
        for (int o = 0; o < 14; o++) {
            double sum = 0;
            for (int i = 0; i < 28; i++) {
                sum += w[o * 28 + i];
            }
            assertEquals(1.0, sum, 1e-6);
        }
    }
}
