package dev.freqmed.nn;

import static dev.freqmed.nn.NnTestSupport.assertGradientsFlow;
import static dev.freqmed.nn.NnTestSupport.infer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link LayerScaleBlock}: a per-channel factor on the last axis. */
class LayerScaleBlockTest {

    @Test
    void scalesTheLastAxisByGamma() {
        try (NDManager m = NDManager.newBaseManager()) {
            LayerScaleBlock b = new LayerScaleBlock(3, 0.5f);
            b.initialize(m, DataType.FLOAT32, new Shape(1, 3));
            NDArray gamma = b.getParameters().get("gamma").getArray();
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, gamma.toFloatArray());
            gamma.set(new float[] {1, 2, -3});
            NDArray x = m.create(new float[] {1, 1, 1, 2, 3, 4}, new Shape(1, 2, 3));
            assertArrayEquals(new float[] {1, 2, -3, 2, 6, -12}, infer(b, x).toFloatArray());
            Shape s = new Shape(4, 2, 3);
            assertEquals(s, b.getOutputShapes(new Shape[] {s})[0]);
            assertEquals(List.of("gamma"), assertGradientsFlow(b, m.randomNormal(new Shape(2, 3))));
        }
    }

    @Test
    void rejectsBadSettingsAndInput() {
        assertThrows(IllegalArgumentException.class, () -> new LayerScaleBlock(0, 1f));
        assertThrows(IllegalArgumentException.class, () -> new LayerScaleBlock(3, Float.NaN));
        try (NDManager m = NDManager.newBaseManager()) {
            LayerScaleBlock b = new LayerScaleBlock(3, 1f);
            b.initialize(m, DataType.FLOAT32, new Shape(1, 3));
            NDArray wrong = m.zeros(new Shape(2, 4));
            assertThrows(IllegalArgumentException.class, () -> infer(b, wrong));
        }
    }
}
