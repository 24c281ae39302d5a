package dev.freqmed.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Operands that autograd keeps for the backward pass stay valid when the Java side lets go of
 * them. Each case runs a forward pass, closes what the forward created from host data, forces a
 * garbage collection and fills freshly allocated direct memory with 1e30 before the backward
 * pass. With DJL's own {@code w.mul(2.5f)} in place of {@link Scalars#mul} the gradient comes
 * out as 1e30, 1e-45 or NaN in most of these rounds on the machines we tried (151 of 200).
 */
class HostArraysTest {

    private static final int ROUNDS = 40;

    /** Frees unreachable direct buffers and hands their memory out again, filled with junk. */
    private static void churn(List<ByteBuffer> keep) {
        System.gc();
        keep.clear();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(i % 2 == 0 ? 4 : 64).order(ByteOrder.nativeOrder());
            for (int j = 0; j + 4 <= b.capacity(); j += 4) {
                b.putFloat(j, 1e30f);
            }
            keep.add(b);
        }
    }

    private static void assertGradient(
            BiFunction<NDArray, NDManager, NDArray> forward, float input, float expected) {
        List<ByteBuffer> junk = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int r = 0; r < ROUNDS; r++) {
                try (NDManager s = m.newSubManager()) {
                    NDArray w = s.full(new Shape(8), input);
                    w.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray y;
                        try (NDManager scope = s.newSubManager()) {
                            y = forward.apply(w, scope).sum();
                            y.attach(s);
                        }
                        churn(junk);
                        gc.backward(y);
                    }
                    float[] g = w.getGradient().toFloatArray();
                    for (float v : g) {
                        assertEquals(expected, v, 1e-6f * Math.max(1f, Math.abs(expected)),
                                "round " + r + ": gradient read freed memory");
                    }
                }
            }
        }
    }

    @Test
    void scalarOperandsSurviveUntilBackward() {
        assertGradient((w, s) -> Scalars.mul(w, 2.5), 1f, 2.5f);
        assertGradient((w, s) -> Scalars.div(w, 4), 1f, 0.25f);
        assertGradient((w, s) -> Scalars.pow(w, 3), 2f, 12f);
        // maximum/minimum: the gradient passes where w wins, which needs the bound in backward.
        assertGradient((w, s) -> Scalars.maximum(w, 0.5), 1f, 1f);
        assertGradient((w, s) -> Scalars.minimum(w, 0.5), 1f, 0f);
        assertGradient((w, s) -> Scalars.clip(w, 0.0, 3.0), 1f, 1f);
    }

    @Test
    void hostArraySavedByAutogradSurvivesBeingClosed() {
        float[] data = {3f, -1f, 2f, 0.5f, 7f, -4f, 1f, 2f};
        // y = sum(w * h): dy/dw = h, read from the saved host operand during backward.
        List<ByteBuffer> junk = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int r = 0; r < ROUNDS; r++) {
                try (NDManager s = m.newSubManager()) {
                    NDArray w = s.ones(new Shape(8));
                    w.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray y;
                        try (NDArray h = HostArrays.of(s, data, new Shape(8))) {
                            y = w.mul(h).sum();
                        }
                        churn(junk);
                        gc.backward(y);
                    }
                    assertArrayEquals(data, w.getGradient().toFloatArray(), "round " + r);
                }
            }
        }
    }

    @Test
    void scalarsKeepTheDataTypeAnOperationWithANumberWouldHave() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f = m.ones(new Shape(2));
            NDArray i = m.ones(new Shape(2), DataType.INT32);
            assertEquals(DataType.FLOAT32, Scalars.mul(f, 3).getDataType());
            assertEquals(DataType.INT32, Scalars.mul(i, 3).getDataType());
            assertEquals(DataType.FLOAT32, Scalars.mul(i, 0.5).getDataType());
            assertArrayEquals(new float[] {0.5f, 0.5f}, Scalars.mul(i, 0.5).toFloatArray());
            NDArray d = m.ones(new Shape(1), DataType.FLOAT64);
            assertEquals(1 + 1e-12, Scalars.mul(d, 1 + 1e-12).toDoubleArray()[0], 0.0);
        }
    }

    @Test
    void copyIntoOverwritesInPlaceWithEngineOwnedMemory() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray target = m.zeros(new Shape(2, 3));
            NDArray view = target.reshape(6);
            float[] data = {1, 2, 3, 4, 5, 6};
            HostArrays.copyInto(target, data);
            data[0] = 100; // the target must not alias the Java array
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, target.toFloatArray());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, view.toFloatArray(), "in place");
            // A parameter that requires a gradient, on a thread whose gradient mode is on (as every
            // new thread's is): loading must not be refused as an in-place operation on a leaf.
            NDArray param = m.zeros(new Shape(3));
            param.setRequiresGradient(true);
            boolean before = JniUtils.isGradMode();
            JniUtils.setGradMode(true);
            try {
                HostArrays.copyInto(param, new float[] {7, 8, 9});
                assertTrue(JniUtils.isGradMode(), "gradient mode restored");
            } finally {
                JniUtils.setGradMode(before);
            }
            assertArrayEquals(new float[] {7, 8, 9}, param.toFloatArray());
            NDArray d = m.zeros(new Shape(2), DataType.FLOAT64);
            HostArrays.copyInto(d, new float[] {0.25f, -2f});
            assertArrayEquals(new double[] {0.25, -2}, d.toDoubleArray());
        }
    }

    /** Every buffer kind lands with its values; the source's position is left alone. */
    @Test
    void buffersOfEveryKindAreCopied() {
        try (NDManager m = NDManager.newBaseManager()) {
            FloatBuffer f = FloatBuffer.wrap(new float[] {9, 1, 2, 3});
            f.position(1);
            assertArrayEquals(new float[] {1, 2, 3},
                    HostArrays.of(m, f, new Shape(3), DataType.FLOAT32).toFloatArray());
            assertEquals(1, f.position());
            assertArrayEquals(new int[] {4, -5}, HostArrays.of(m, IntBuffer.wrap(new int[] {4, -5}),
                    new Shape(2), DataType.INT32).toIntArray());
            assertArrayEquals(new long[] {1L << 40, 7}, HostArrays.of(m, new long[] {1L << 40, 7})
                    .toLongArray());
            assertArrayEquals(new double[] {0.1, 1e300}, HostArrays.of(m,
                    DoubleBuffer.wrap(new double[] {0.1, 1e300}), new Shape(2), DataType.FLOAT64)
                    .toDoubleArray());
            ByteBuffer direct = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            direct.asFloatBuffer().put(new float[] {6, 7});
            NDArray d = HostArrays.of(m, direct, new Shape(2), DataType.FLOAT32);
            direct.asFloatBuffer().put(new float[] {0, 0}); // the array must not alias it
            assertArrayEquals(new float[] {6, 7}, d.toFloatArray());
            assertArrayEquals(new byte[] {3, -1}, HostArrays.of(m, ByteBuffer.wrap(
                    new byte[] {3, -1}), new Shape(2), DataType.INT8).toByteArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HostArrays.of(m, LongBuffer.wrap(new long[3]), new Shape(2),
                            DataType.INT64));
            assertTrue(e.getMessage().contains("(2)"), e.getMessage());
        }
    }

    /**
     * The staging memory of a transfer is returned at once, not when the garbage collector gets
     * to it: 64 transfers of 4 MB leave the JVM's direct-buffer pool where it was. (With the
     * engine binding's own staging buffers the pool grew by 256 MB until a collection, and their
     * memory interleaved with the parameters'.)
     */
    @Test
    void stagingMemoryIsFreedAtOnce() {
        BufferPoolMXBean pool = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
                .stream().filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        float[] data = new float[1 << 20];
        try (NDManager m = NDManager.newBaseManager()) {
            long before = pool.getMemoryUsed();
            for (int i = 0; i < 64; i++) {
                data[i] = i;
                HostArrays.of(m, data, new Shape(data.length)).close();
            }
            long grown = pool.getMemoryUsed() - before;
            assertTrue(grown < (16L << 20), "direct-buffer pool grew by " + grown + " bytes");
        }
    }
}
