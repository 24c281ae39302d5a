package dev.freqmed.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/**
 * Activation placement, dilation and stride padding of {@link SeparableConvBnBlock}, with a
 * depthwise kernel of ones, a pointwise weight of −1 and fresh BatchNorms (inference mode: each
 * divides by {@code sqrt(1 + 1e-3)}).
 */
class SeparableConvBnBlockTest {

    private static final float BN = (float) (1 / Math.sqrt(1 + 1e-3));

    @Test
    void preActivationHasNoFinalRelu() {
        float[] y = run(false, 1, 1, new Shape(1, 1, 5, 5));
        assertEquals(-9 * BN * BN, y[2 * 5 + 2], 1e-5);
        assertEquals(-4 * BN * BN, y[0], 1e-5);
    }

    @Test
    void depthActivationEndsWithRelu() {
        float[] y = run(true, 1, 1, new Shape(1, 1, 5, 5));
        for (float v : y) {
            assertEquals(0f, v, 0f);
        }
    }

    @Test
    void dilationTwoPadsTwo() {
        // Taps at offsets −2, 0, 2: the centre sees 9 ones, the corner 4.
        float[] y = run(false, 1, 2, new Shape(1, 1, 5, 5));
        assertEquals(-9 * BN * BN, y[2 * 5 + 2], 1e-5);
        assertEquals(-4 * BN * BN, y[0], 1e-5);
        assertEquals(-6 * BN * BN, y[2], 1e-5);
    }

    @Test
    void strideTwoPadsOneOnEachSide() {
        // 5×5 → 3×3 windows centred on 0, 2, 4: corners see 4 ones, the middle 9.
        float[] y = run(false, 2, 1, new Shape(1, 1, 3, 3));
        assertEquals(-4 * BN * BN, y[0], 1e-5);
        assertEquals(-9 * BN * BN, y[4], 1e-5);
        assertEquals(-4 * BN * BN, y[8], 1e-5);
    }

    private static float[] run(boolean depthActivation, int stride, int rate, Shape expected) {
        try (NDManager m = NDManager.newBaseManager()) {
            SeparableConvBnBlock b = new SeparableConvBnBlock(1, 1, stride, rate, depthActivation,
                    1e-3f, 0.99f, new java.util.Random(0));
            Shape in = new Shape(1, 1, 5, 5);
            b.initialize(m, DataType.FLOAT32, in);
            b.getChildren().get("01depthwise").getParameters().get("weight").getArray()
                    .set(new float[9]);
            b.getChildren().get("01depthwise").getParameters().get("weight").getArray().addi(1f);
            NDArray pw = b.getChildren().get("03pointwise").getParameters().get("weight")
                    .getArray();
            pw.set(new float[] {-1f});
            NDArray y = b.forward(new ParameterStore(m, false), new NDList(m.ones(in)), false)
                    .singletonOrThrow();
            assertEquals(expected, y.getShape());
            assertEquals(expected, b.getOutputShapes(new Shape[] {in})[0]);
            return y.toFloatArray();
        }
    }
}
