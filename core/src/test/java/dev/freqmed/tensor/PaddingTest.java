package dev.freqmed.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class PaddingTest {

    @Test
    void tensorflowSameAmounts() {
        assertEquals(new Padding.Amount(0, 1), Padding.same(8, 2, 1, 1));
        assertEquals(new Padding.Amount(0, 1), Padding.same(8, 3, 2, 1));
        assertEquals(new Padding.Amount(1, 1), Padding.same(7, 3, 2, 1));
        assertEquals(new Padding.Amount(1, 1), Padding.same(5, 3, 1, 1));
        assertEquals(new Padding.Amount(2, 2), Padding.same(5, 3, 1, 2));
        assertEquals(new Padding.Amount(0, 0), Padding.same(8, 1, 2, 1));
        assertEquals(new Padding.Amount(1, 2), Padding.same(8, 4, 1, 1));
        assertEquals(new Padding.Amount(1, 1), Padding.same(8, 4, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> Padding.same(8, 0, 1, 1));
    }

    @Test
    void padOrderIsTopBottomLeftRightAndGradientsFlow() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
            x.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = Padding.pad(x, 1, 0, 0, 2, 9);
                gc.backward(y.mul(y.getManager().arange(0f, 12f).reshape(1, 1, 3, 4)).sum());
            }
            assertEquals(new Shape(1, 1, 3, 4), y.getShape());
            assertArrayEquals(
                    new float[] {9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9}, y.toFloatArray());
            // d(sum(y * arange))/dx picks the arange values at x's positions
            assertArrayEquals(new float[] {4, 5, 8, 9}, x.getGradient().toFloatArray());
            NDArray same = Padding.padSame(manager.zeros(new Shape(1, 1, 8, 7)), 3, 3, 2, 2, 1);
            assertEquals(new Shape(1, 1, 9, 9), same.getShape());
            assertThrows(IllegalArgumentException.class, () -> Padding.pad(x, -1, 0, 0, 0, 0));
        }
    }
}
