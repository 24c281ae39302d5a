package dev.freqmed.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/** TF-"same", explicit and valid padding of {@link Conv2dBlock} with an all-ones kernel. */
class Conv2dBlockTest {

    @Test
    void kernel2Stride1PadsOnlyAfter() {
        // x = 1..9 on 3×3; sums of the 2×2 window starting at each pixel, zeros past the edge.
        float[] y = run(2, 1, Conv2dBlock.Padding.TF_SAME, 3, new Shape(1, 1, 3, 3));
        assertArrayEquals(new float[] {12, 16, 9, 24, 28, 15, 15, 17, 9}, y, 0f);
    }

    @Test
    void kernel3Stride2OnEvenSizePadsOnlyAfter() {
        // x = 1..16 on 4×4: windows rows/cols {0,1,2} and {2,3}+pad.
        float[] y = run(3, 2, Conv2dBlock.Padding.TF_SAME, 4, new Shape(1, 1, 2, 2));
        assertArrayEquals(new float[] {54, 45, 72, 54}, y, 0f);
    }

    @Test
    void explicitSymmetricPadsBothSides() {
        // Pad 1 before and after: windows rows/cols {-1,0,1} and {1,2,3}.
        float[] y = run(3, 2, Conv2dBlock.Padding.EXPLICIT_SYMMETRIC, 4, new Shape(1, 1, 2, 2));
        assertArrayEquals(new float[] {14, 30, 57, 99}, y, 0f);
    }

    @Test
    void validStride2SamplesEvenPixels() {
        float[] y = run(1, 2, Conv2dBlock.Padding.VALID, 4, new Shape(1, 1, 2, 2));
        assertArrayEquals(new float[] {1, 3, 9, 11}, y, 0f);
    }

    @Test
    void missingInitializerIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> Conv2dBlock.builder().setInChannels(3).setOutChannels(4).build());
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Conv2dBlock.builder().setInChannels(3).setOutChannels(4).setKernel(3)
                        .build());
        assertEquals(true, ex.getMessage().contains("initializer"), ex.getMessage());
    }

    private static float[] run(int k, int s, Conv2dBlock.Padding pad, int n, Shape expected) {
        try (NDManager m = NDManager.newBaseManager()) {
            Conv2dBlock conv = Conv2dBlock.builder().setInChannels(1).setOutChannels(1)
                    .setKernel(k).optStride(s).optPadding(pad).optBias(false)
                    .setInitializer((mm, shape, dt) -> mm.ones(shape, dt)).build();
            Shape in = new Shape(1, 1, n, n);
            conv.initialize(m, DataType.FLOAT32, in);
            NDArray x = m.arange(1f, n * n + 1f).reshape(in);
            NDArray y = conv.forward(new ParameterStore(m, false), new NDList(x), false)
                    .singletonOrThrow();
            assertEquals(expected, y.getShape());
            assertEquals(expected, conv.getOutputShapes(new Shape[] {in})[0]);
            return y.toFloatArray();
        }
    }
}
