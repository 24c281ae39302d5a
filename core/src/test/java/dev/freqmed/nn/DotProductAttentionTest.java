package dev.freqmed.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.freqmed.engine.AttentionCheck;
import dev.freqmed.engine.FusedAttention;
import dev.freqmed.engine.TaskResult;
import org.junit.jupiter.api.Test;

/**
 * {@link DotProductAttention}: the explicit path gives the same output and q/k/v gradients for
 * every query chunk size, and the fused kernel (where this machine's check passes it), one node
 * of libtorch's autograd graph, gives the explicit path's, on cross-attention with logits of a
 * few units.
 */
class DotProductAttentionTest {

    @Test
    void chunksAndTheFusedKernelGiveOneResult() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(3);
            NDArray q = m.randomNormal(new Shape(2, 3, 50, 8)).mul(2);
            NDArray k = m.randomNormal(new Shape(2, 3, 29, 8)).mul(2);
            NDArray v = m.randomNormal(new Shape(2, 3, 29, 8));
            NDArray g = m.randomNormal(new Shape(2, 3, 50, 8));
            NDArray[] reference = FusedAttention.withFused(false, () -> run(q, k, v, g, 0));
            assertEquals(new Shape(2, 3, 50, 8), reference[0].getShape());
            for (int chunk : new int[] {1, 7, 49, 50, 64}) {
                NDArray[] got = FusedAttention.withFused(false, () -> run(q, k, v, g, chunk));
                assertSame(reference, got, 1e-6, "chunk " + chunk);
            }
            TaskResult verdict = AttentionCheck.check(m, null);
            if (verdict.passed()) {
                NDArray[] fused = FusedAttention.withFused(true, () -> run(q, k, v, g, 7));
                assertSame(reference, fused, 1e-5, "fused");
            }
        }
    }

    /**
     * Two threads at once through the one shared kernel module (as Spark's executor threads in
     * one JVM): each gets the result it gets alone.
     */
    @Test
    void fusedKernelServesTwoThreadsAtOnce() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            TaskResult verdict = AttentionCheck.check(m, null);
            if (!verdict.passed()) {
                return; // the kernel is not used on this machine
            }
            m.getEngine().setRandomSeed(8);
            NDArray[][] in = new NDArray[2][];
            NDArray[] alone = new NDArray[2];
            for (int t = 0; t < 2; t++) {
                Shape keys = new Shape(2, 4, 200, 16);
                in[t] = new NDArray[] {m.randomNormal(new Shape(2, 4, 300 + t, 16)),
                    m.randomNormal(keys), m.randomNormal(keys)};
                NDArray[] x = in[t];
                alone[t] = FusedAttention.withFused(true,
                        () -> DotProductAttention.apply(x[0], x[1], x[2], 0));
            }
            java.util.concurrent.ExecutorService pool =
                    java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                java.util.List<java.util.concurrent.Future<float[]>> runs =
                        new java.util.ArrayList<>();
                for (int rep = 0; rep < 20; rep++) {
                    for (int t = 0; t < 2; t++) {
                        NDArray[] x = in[t];
                        runs.add(pool.submit(() -> FusedAttention.withFused(true, () -> {
                            try (NDManager local = m.newSubManager()) {
                                NDArray q = x[0].duplicate();
                                q.attach(local);
                                return DotProductAttention.apply(q, x[1], x[2], 0).toFloatArray();
                            }
                        })));
                    }
                }
                for (int i = 0; i < runs.size(); i++) {
                    float[] want = alone[i % 2].toFloatArray();
                    float[] got = runs.get(i).get();
                    assertEquals(want.length, got.length);
                    for (int j = 0; j < want.length; j++) {
                        assertEquals(want[j], got[j], 1e-6f, "run " + i + " element " + j);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void assertSame(NDArray[] want, NDArray[] got, double tol, String what) {
        for (int i = 0; i < want.length; i++) {
            float scale = want[i].abs().max().getFloat();
            assertTrue(scale > 0.05f, what + ": array " + i + " is trivial");
            float d = want[i].sub(got[i]).abs().max().getFloat();
            assertTrue(d <= tol * Math.max(1, scale), what + ": array " + i + " differs by " + d);
        }
    }

    /** Output and the gradients of q, k, v of {@code sum(attention · g)}. */
    private static NDArray[] run(NDArray q0, NDArray k0, NDArray v0, NDArray g, int chunk) {
        NDArray q = q0.duplicate();
        NDArray k = k0.duplicate();
        NDArray v = v0.duplicate();
        q.setRequiresGradient(true);
        k.setRequiresGradient(true);
        v.setRequiresGradient(true);
        NDArray y;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            y = DotProductAttention.apply(q, k, v, chunk);
            if (FusedAttention.enabled()) {
                // The fused kernel is one node of libtorch's autograd graph.
                String node = JniUtils.getGradientFunctionNames((PtNDArray) y);
                assertTrue(node.contains("ScaledDotProduct"), node);
            }
            gc.backward(y.mul(g).sum());
        }
        return new NDArray[] {y, q.getGradient(), k.getGradient(), v.getGradient()};
    }
}
