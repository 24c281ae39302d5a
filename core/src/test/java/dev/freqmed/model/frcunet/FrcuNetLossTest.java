package dev.freqmed.model.frcunet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Hand-computed values of {@link FrcuNetLoss}. */
class FrcuNetLossTest {

    // Two images of 1×1×2 pixels: p = (0.9, 0.2 | 0, 1), soft targets t = (1, 0 | 0.5, 1).
    private static final float[] P = {0.9f, 0.2f, 0f, 1f};
    private static final float[] T = {1f, 0f, 0.5f, 1f};

    @Test
    void kerasBinaryCrossEntropyClipsAndAverages() {
        // (−ln 0.9 − ln 0.8 − 0.5 ln 1e-7 − 0.5 ln(1 − 1e-7) − ln(1 − 1e-7)) / 4 with p clipped to
        // [1e-7, 1 − 1e-7] in float32; computed with numpy in float64 from the float32 inputs.
        assertEquals(2.0968880, value(1, 0), 2e-6);
    }

    @Test
    void softDiceIsPerImageThenAveraged() {
        // Image 0: (2·0.9 + 1) / (1.1 + 1 + 1); image 1: (2·1 + 1) / (1 + 1.5 + 1).
        double dice = ((2 * 0.9 + 1) / 3.1 + 3.0 / 3.5) / 2;
        assertEquals(1 - dice, value(0, 1), 1e-6);
        assertEquals(2.0968880 + 0.5 * (1 - dice), value(1, 0.5), 2e-6);
    }

    @Test
    void perfectPredictionHasNearZeroCrossEntropy() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = m.create(new float[] {0, 1, 1, 0}, new Shape(1, 1, 2, 2));
            float bce = new FrcuNetLoss(1, 0).evaluate(new NDList(t), new NDList(t)).getFloat();
            // −ln(1 − 1e-7) in float32 is about 1.2e-7.
            assertEquals(0.0, bce, 2e-7);
        }
    }

    @Test
    void badWeightsAndShapesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new FrcuNetLoss(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new FrcuNetLoss(-1, 1));
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNetLoss loss = new FrcuNetLoss(1, 0);
            assertThrows(IllegalArgumentException.class, () -> loss.evaluate(
                    new NDList(m.zeros(new Shape(1, 1, 2, 2))),
                    new NDList(m.zeros(new Shape(1, 1, 4, 4)))));
        }
    }

    private static double value(double bce, double dice) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(P, new Shape(2, 1, 1, 2));
            NDArray t = m.create(T, new Shape(2, 1, 1, 2));
            return new FrcuNetLoss(bce, dice).evaluate(new NDList(t), new NDList(p)).getFloat();
        }
    }
}
