package dev.freqmed.engine;

import static dev.freqmed.engine.KnownAnswerCheck.host;
import static dev.freqmed.engine.KnownAnswerCheck.random;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Scalars;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Known-answer check of the fused attention kernel ({@link FusedAttention}): output and the
 * gradients of q, k and v of {@code sum(attention(q, k, v) * g)} for seeded random data, against
 * the same attention written as matrix products and a softmax in float64 (ATen's own kernels, not
 * the fused one). As for convolutions, freed engine memory is filled with NaN first.
 *
 * <p>The cases cover the head widths FreqMed's networks use (8 to 64), query and key counts that
 * are not multiples of the kernel's blocks, more keys than one key block (512) holds, and
 * cross-attention ({@code Lq ≠ Lk}).
 */
public final class AttentionCheck {

    /** The class name of the attention task in the self-test. */
    public static final String TASK_CLASS = "ATTENTION";
    /** The path name of the attention task in the self-test. */
    public static final String TASK_PATH = "FUSED";

    /** One shape checked: batch, heads, queries, keys, head width. */
    record Case(int n, int heads, int lq, int lk, int d) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "attention n=%d heads=%d Lq=%d Lk=%d d=%d", n,
                    heads, lq, lk, d);
        }
    }

    static final List<Case> CASES = List.of(
            new Case(2, 4, 37, 53, 8),
            new Case(1, 4, 300, 300, 16),
            new Case(2, 2, 129, 1100, 32),
            new Case(1, 3, 700, 90, 64));

    private AttentionCheck() {
    }

    /**
     * Checks every case.
     *
     * @param root   the manager to work under
     * @param inject test hook: {@code wrong} corrupts each result before comparing
     * @return the verdict, as task {@code ATTENTION:FUSED}
     */
    public static TaskResult check(NDManager root, String inject) {
        boolean corrupt = "wrong".equals(inject);
        return KnownAnswerCheck.runCases(TASK_CLASS, TASK_PATH, CASES, 77_000,
                (c, seed) -> check(root, c, seed, corrupt));
    }

    private static KnownAnswerCheck.Outcome check(NDManager root, Case c, long seed,
            boolean corrupt) {
        try (NDManager m = root.newSubManager()) {
            Random r = new Random(seed);
            int qs = c.n * c.heads * c.lq * c.d;
            int ks = c.n * c.heads * c.lk * c.d;
            float[][] data = {random(r, qs), random(r, ks), random(r, ks), random(r, qs)};
            float[][] ref = run(m, c, data, DataType.FLOAT64, false);
            KnownAnswerCheck.poison(m);
            float[][] got = run(m, c, data, DataType.FLOAT32, true);
            if (corrupt) {
                got[2][got[2].length / 2] += 1f + Math.abs(got[2][got[2].length / 2]);
            }
            return KnownAnswerCheck.worst(got, ref, "forward", "grad q", "grad k", "grad v");
        }
    }

    /** {y, dq, dk, dv}: the fused kernel, or the explicit float64 reference. */
    private static float[][] run(NDManager parent, Case c, float[][] data, DataType type,
            boolean fused) {
        try (NDManager m = parent.newSubManager()) {
            Shape qShape = new Shape(c.n, c.heads, c.lq, c.d);
            Shape kShape = new Shape(c.n, c.heads, c.lk, c.d);
            NDArray q = HostArrays.of(m, data[0], qShape).toType(type, false);
            NDArray k = HostArrays.of(m, data[1], kShape).toType(type, false);
            NDArray v = HostArrays.of(m, data[2], kShape).toType(type, false);
            NDArray g = HostArrays.of(m, data[3], qShape).toType(type, false);
            q.setRequiresGradient(true);
            k.setRequiresGradient(true);
            v.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = fused ? FusedAttention.attend(q, k, v)
                        : Scalars.mul(q, Math.pow(c.d, -0.5)).matMul(k.transpose(0, 1, 3, 2))
                                .softmax(-1).matMul(v);
                gc.backward(y.mul(g).sum());
            }
            return new float[][] {host(y), host(q.getGradient()), host(k.getGradient()),
                host(v.getGradient())};
        }
    }
}
