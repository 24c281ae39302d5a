package dev.freqmed.nn;

import static dev.freqmed.nn.NnTestSupport.assertGradientsFlow;
import static dev.freqmed.nn.NnTestSupport.assertMatches;
import static dev.freqmed.nn.NnTestSupport.fill;
import static dev.freqmed.nn.NnTestSupport.infer;
import static dev.freqmed.nn.NnTestSupport.input;
import static dev.freqmed.nn.NnTestSupport.maxAbsDiff;
import static dev.freqmed.nn.NnTestSupport.w;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freqmed.engine.AttentionCheck;
import dev.freqmed.engine.FusedAttention;
import dev.freqmed.engine.KnownAnswerCheck;
import dev.freqmed.engine.TaskResult;
import dev.freqmed.nn.ScopedForward;
import dev.freqmed.io.StateDicts;
import dev.freqmed.nn.NnTestSupport.Golden;
import dev.freqmed.nn.NnTestSupport.Weight;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link MultiHeadAttentionBlock} against torch 1.13 and against itself unchunked.
 *
 * <p>Golden values: a small torch 1.13 re-implementation of Segment Anything's image-encoder
 * {@code Attention} (with {@code get_rel_pos} and {@code add_decomposed_rel_pos} as published),
 * run once with the formula weights and inputs of {@link NnTestSupport}: tokens {@code (2, 7, 12)}
 * with 3 heads; a grid {@code (2, 5, 6, 8)} with 2 heads and relative-position tables for 5×6
 * (used as they are) and for 4×4 (linearly resized to 9 and 11 rows). Tolerance 1e-5 on sampled
 * values.
 */
class MultiHeadAttentionBlockTest {

    static final Golden MHA_TOKENS = new Golden(new long[] {2, 7, 12},
            -10.3631901, 34.5469152, 0.395318984,
            new int[] {0, 1, 24, 56, 84, 112, 166, 167},
            new double[] {
                -0.0513072871, -0.319821894, -0.0619554706, -0.260052502, -0.0622821711,
                -0.401458919, 0.0823426396, -0.237072438});
    static final Golden MHA_RELPOS = new Golden(new long[] {2, 5, 6, 8},
            -35.3918538, 74.3110679, 0.668558997,
            new int[] {0, 1, 68, 160, 240, 320, 478, 479},
            new double[] {
                0.147711307, -0.182101712, 0.0119228065, 0.052475784, 0.106703989, -0.00661437493,
                0.109628975, -0.284070849});
    static final Golden MHA_RELPOS_RESIZED = new Golden(new long[] {2, 5, 6, 8},
            -35.5800322, 68.8781232, 0.643038431,
            new int[] {0, 1, 68, 160, 240, 320, 478, 479},
            new double[] {
                0.113700405, -0.147135794, -0.000688828528, 0.0444114059, 0.119872354,
                -0.0622799657, 0.0623735934, -0.242414802});

    /** Arrays a chunked inference pass may leave in the caller's manager. */
    private static final int LIVE_ARRAY_LIMIT = 60;

    private static final List<Weight> ATTENTION = List.of(w("qkv.weight", .5),
            w("qkv.bias", .1), w("proj.weight", .5), w("proj.bias", .1));

    private static List<Weight> withRelativePosition() {
        List<Weight> t = new ArrayList<>(ATTENTION);
        t.add(w("rel_pos_h", .5));
        t.add(w("rel_pos_w", .5));
        return t;
    }

    private static MultiHeadAttentionBlock block(NDManager m, int dim, int heads, int chunk,
            int relH, int relW, Shape input) {
        MultiHeadAttentionBlock.Builder b = MultiHeadAttentionBlock.builder().setDim(dim)
                .setHeads(heads).optQueryChunk(chunk);
        if (relH > 0) {
            b.optRelativePosition(relH, relW);
        }
        MultiHeadAttentionBlock block = b.build();
        block.initialize(m, DataType.FLOAT32, input);
        return block;
    }

    @Test
    void matchesTorchUnchunkedAndChunked() {
        for (int chunk : new int[] {0, 4}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Shape tokens = new Shape(2, 7, 12);
                MultiHeadAttentionBlock plain = block(m, 12, 3, chunk, 0, 0, tokens);
                fill(plain, ATTENTION);
                assertMatches(MHA_TOKENS, infer(plain, input(m, tokens)), 1e-5);

                Shape grid = new Shape(2, 5, 6, 8);
                MultiHeadAttentionBlock rel = block(m, 8, 2, chunk, 5, 6, grid);
                fill(rel, withRelativePosition());
                assertMatches(MHA_RELPOS, infer(rel, input(m, grid)), 1e-5);

                MultiHeadAttentionBlock resized = block(m, 8, 2, chunk, 4, 4, grid);
                fill(resized, withRelativePosition());
                assertMatches(MHA_RELPOS_RESIZED, infer(resized, input(m, grid)), 1e-5);
            }
        }
    }

    @Test
    void keysAndShapesFollowSam() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape grid = new Shape(1, 3, 5, 8);
            MultiHeadAttentionBlock rel = block(m, 8, 2, 0, 4, 6, grid);
            Map<String, Parameter> p = StateDicts.parameters(rel);
            assertEquals(List.of("rel_pos_h", "rel_pos_w", "qkv.weight", "qkv.bias",
                    "proj.weight", "proj.bias"), new ArrayList<>(p.keySet()));
            assertEquals(new Shape(7, 4), p.get("rel_pos_h").getArray().getShape());
            assertEquals(new Shape(11, 4), p.get("rel_pos_w").getArray().getShape());
            assertEquals(0f, p.get("rel_pos_h").getArray().abs().sum().getFloat());
            assertEquals(new Shape(24, 8), p.get("qkv.weight").getArray().getShape());
            assertEquals(grid, rel.getOutputShapes(new Shape[] {grid})[0]);
            assertEquals(grid, infer(rel, m.randomNormal(grid)).getShape());

            MultiHeadAttentionBlock noBias = MultiHeadAttentionBlock.builder().setDim(8)
                    .setHeads(2).optQkvBias(false).build();
            noBias.initialize(m, DataType.FLOAT32, new Shape(1, 4, 8));
            assertEquals(List.of("qkv.weight", "proj.weight", "proj.bias"),
                    new ArrayList<>(StateDicts.parameters(noBias).keySet()));
        }
    }

    /** Forward values and every gradient of chunked runs equal the unchunked run. */
    @Test
    void chunkingGivesTheUnchunkedResultAndGradients() {
        Shape grid = new Shape(2, 5, 6, 8);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(grid);
            NDArray target = m.randomNormal(grid);
            List<NDArray> reference = null;
            for (int chunk : new int[] {0, 1, 7, 29, 30, 64}) {
                MultiHeadAttentionBlock b = block(m, 8, 2, chunk, 4, 4, grid);
                fill(b, withRelativePosition());
                List<NDArray> run = forwardBackward(m, b, x, target);
                if (reference == null) {
                    reference = run;
                    continue;
                }
                for (int i = 0; i < run.size(); i++) {
                    double d = maxAbsDiff(reference.get(i), run.get(i));
                    assertTrue(d <= 1e-5, "chunk " + chunk + ", array " + i + ": " + d);
                }
            }
        }
    }

    /**
     * Without relative positions the block's core is the engine's fused kernel where this
     * machine's self-test check passes it: the output, the input gradient and every parameter
     * gradient match the explicit path (products and softmax).
     */
    @Test
    void fusedKernelGivesTheExplicitResultAndGradients() {
        Shape tokens = new Shape(2, 37, 12);
        try (NDManager m = NDManager.newBaseManager()) {
            TaskResult verdict = AttentionCheck.check(m, null);
            assumeTrue(verdict.passed(), "fused attention is wrong on this machine: " + verdict);
            m.getEngine().setRandomSeed(11);
            NDArray x = m.randomNormal(tokens).mul(3);
            NDArray target = m.randomNormal(tokens);
            // A block each: parameter gradients would accumulate over two passes.
            MultiHeadAttentionBlock b = block(m, 12, 3, 8, 0, 0, tokens);
            fill(b, ATTENTION);
            MultiHeadAttentionBlock b2 = block(m, 12, 3, 8, 0, 0, tokens);
            fill(b2, ATTENTION);
            List<NDArray> fused = FusedAttention.withFused(true,
                    () -> forwardBackward(m, b, x, target));
            List<NDArray> explicit = FusedAttention.withFused(false,
                    () -> forwardBackward(m, b2, x, target));
            assertEquals(2 + StateDicts.parameters(b).size(), fused.size());
            for (int i = 0; i < fused.size(); i++) {
                float scale = explicit.get(i).abs().max().getFloat();
                assertTrue(scale > 1e-3f, "array " + i);
                double d = maxAbsDiff(explicit.get(i), fused.get(i));
                // Large logits (inputs ×3) make float32 rounding reach 1e-5 of the largest
                // gradient; a wrongly scaled or wired kernel is off by far more. The self-test's
                // tolerance, relative.
                assertTrue(d <= KnownAnswerCheck.TOLERANCE * scale, "array " + i + ": " + d
                        + " of " + scale);
            }
        }
    }

    /** Output, input gradient and every parameter gradient of one training pass. */
    private static List<NDArray> forwardBackward(NDManager m, MultiHeadAttentionBlock b,
            NDArray x0, NDArray target) {
        NDArray x = x0.duplicate();
        x.setRequiresGradient(true);
        List<NDArray> out = new ArrayList<>();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = b.forward(new ParameterStore(m, false), new NDList(x), true)
                    .singletonOrThrow();
            out.add(y.duplicate());
            gc.backward(y.mul(target).sum());
        }
        out.add(x.getGradient().duplicate());
        for (Parameter p : StateDicts.parameters(b).values()) {
            out.add(p.getArray().getGradient().duplicate());
        }
        return out;
    }

    /**
     * A 128×128 grid (16,384 tokens) with relative positions, attended in chunks of 1,024
     * queries: the full attention matrix (1 GiB per head in float) is never built, and each
     * chunk's temporaries are freed before the next one. Rows are checked against a direct
     * double-precision evaluation of SAM's formula on the host, to 1e-4: the weights make the
     * logits large (tens), so float rounding alone reaches about 1e-5, while a relative term
     * computed from the scaled query instead of the unscaled one is off by 1e-3.
     */
    @Test
    void largeGridAttendsInChunks() {
        int side = 128;
        int dim = 4;
        Shape grid = new Shape(1, side, side, dim);
        try (NDManager m = NDManager.newBaseManager()) {
            MultiHeadAttentionBlock b = block(m, dim, 1, 1024, side, side, grid);
            fill(b, List.of(w("qkv.weight", 2), w("qkv.bias", .1), w("proj.weight", .5),
                    w("proj.bias", .1), w("rel_pos_h", 1), w("rel_pos_w", 1)));
            int paramArrays = m.getManagedArrays().size();
            try (NDManager batch = m.newSubManager()) {
                NDArray x = input(batch, grid);
                NDArray y = infer(b, x);
                assertEquals(grid, y.getShape());
                // Without per-chunk scopes 16 chunks would leave well over a hundred arrays.
                int live = batch.getManagedArrays().size();
                assertTrue(live < LIVE_ARRAY_LIMIT, live + " arrays alive after the pass");
                float[] out = y.toFloatArray();
                float[] xs = x.toFloatArray();
                Map<String, Parameter> p = StateDicts.parameters(b);
                for (int row : new int[] {0, 129, 5000, 8256, 16383}) {
                    double[] expected = samAttentionRow(xs, p, side, dim, row);
                    for (int c = 0; c < dim; c++) {
                        assertEquals(expected[c], out[row * dim + c], 1e-4,
                                "token " + row + " channel " + c);
                    }
                }
            }
            assertEquals(paramArrays, m.getManagedArrays().size(),
                    "the forward pass left arrays with the parameters");
        }
    }

    @Test
    void runsInsideScopedForwardAndLeavesOnlyItsOutput() {
        Shape grid = new Shape(2, 5, 6, 8);
        try (NDManager m = NDManager.newBaseManager()) {
            MultiHeadAttentionBlock b = block(m, 8, 2, 7, 4, 4, grid);
            fill(b, withRelativePosition());
            try (NDManager batch = m.newSubManager()) {
                NDArray x = input(batch, grid);
                NDArray direct = infer(b, x);
                int before = batch.getManagedArrays().size();
                NDArray y = ScopedForward.run(new NDList(x), false,
                        in -> b.forward(new ParameterStore(batch, false), in, false))
                        .singletonOrThrow();
                assertEquals(before + 1, batch.getManagedArrays().size());
                assertEquals(0.0, maxAbsDiff(direct, y));
            }
        }
    }

    /** One output token of single-head SAM attention with relative positions, in double. */
    private static double[] samAttentionRow(float[] x, Map<String, Parameter> p, int side,
            int dim, int row) {
        float[] wqkv = p.get("qkv.weight").getArray().toFloatArray();
        float[] bqkv = p.get("qkv.bias").getArray().toFloatArray();
        float[] wp = p.get("proj.weight").getArray().toFloatArray();
        float[] bp = p.get("proj.bias").getArray().toFloatArray();
        float[] th = p.get("rel_pos_h").getArray().toFloatArray();
        float[] tw = p.get("rel_pos_w").getArray().toFloatArray();
        int n = side * side;
        double[] q = project(x, row, wqkv, bqkv, 0, dim);
        double[] scores = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        int qh = row / side;
        int qw = row % side;
        for (int j = 0; j < n; j++) {
            double[] k = project(x, j, wqkv, bqkv, dim, dim);
            int rh = (qh - j / side + side - 1) * dim;
            int rw = (qw - j % side + side - 1) * dim;
            double s = 0;
            for (int c = 0; c < dim; c++) {
                s += q[c] * k[c] / Math.sqrt(dim) + q[c] * th[rh + c] + q[c] * tw[rw + c];
            }
            scores[j] = s;
            max = Math.max(max, s);
        }
        double total = 0;
        double[] o = new double[dim];
        for (int j = 0; j < n; j++) {
            double e = Math.exp(scores[j] - max);
            total += e;
            double[] v = project(x, j, wqkv, bqkv, 2 * dim, dim);
            for (int c = 0; c < dim; c++) {
                o[c] += e * v[c];
            }
        }
        double[] y = new double[dim];
        for (int r = 0; r < dim; r++) {
            y[r] = bp[r];
            for (int c = 0; c < dim; c++) {
                y[r] += wp[r * dim + c] * o[c] / total;
            }
        }
        return y;
    }

    /** Rows {@code [first, first + dim)} of {@code W x_token + b}. */
    private static double[] project(float[] x, int token, float[] w, float[] b, int first,
            int dim) {
        double[] out = new double[dim];
        for (int r = 0; r < dim; r++) {
            double s = b[first + r];
            for (int c = 0; c < dim; c++) {
                s += (double) w[(first + r) * dim + c] * x[token * dim + c];
            }
            out[r] = s;
        }
        return out;
    }

    @Test
    void resizeMatrixIsTorchLinearInterpolation() {
        // F.interpolate(torch.eye(3)[None], size=5, mode="linear") rows, align_corners=False.
        float[][] m = MultiHeadAttentionBlock.linearResizeMatrix(3, 5);
        assertArrayEquals(new float[] {1, 0, 0}, m[0], 1e-7f);
        assertArrayEquals(new float[] {0.6f, 0.4f, 0}, m[1], 1e-6f);
        assertArrayEquals(new float[] {0, 1, 0}, m[2], 1e-6f);
        assertArrayEquals(new float[] {0, 0.4f, 0.6f}, m[3], 1e-6f);
        assertArrayEquals(new float[] {0, 0, 1}, m[4], 1e-7f);
    }

    @Test
    void gradientsReachEveryParameterAndTheInput() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape grid = new Shape(2, 3, 4, 8);
            MultiHeadAttentionBlock b = block(m, 8, 2, 5, 3, 4, grid);
            fill(b, withRelativePosition());
            List<String> trainable = assertGradientsFlow(b, m.randomNormal(grid));
            assertEquals(6, trainable.size());
        }
    }

    @Test
    void rejectsBadSettingsAndInput() {
        assertThrows(IllegalArgumentException.class,
                () -> MultiHeadAttentionBlock.builder().setDim(8).setHeads(3).build());
        assertThrows(IllegalArgumentException.class, () -> MultiHeadAttentionBlock.builder()
                .setDim(8).setHeads(2).optQueryChunk(-1).build());
        assertThrows(IllegalArgumentException.class, () -> MultiHeadAttentionBlock.builder()
                .setDim(8).setHeads(2).optRelativePosition(4, 0).build());
        try (NDManager m = NDManager.newBaseManager()) {
            MultiHeadAttentionBlock rel = block(m, 8, 2, 0, 3, 3, new Shape(1, 3, 3, 8));
            NDArray tokens = m.zeros(new Shape(1, 9, 8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> infer(rel, tokens));
            assertTrue(e.getMessage().contains("grid"), e.getMessage());
            NDArray wrongWidth = m.zeros(new Shape(1, 3, 3, 6));
            assertThrows(IllegalArgumentException.class, () -> infer(rel, wrongWidth));
        }
    }
}
