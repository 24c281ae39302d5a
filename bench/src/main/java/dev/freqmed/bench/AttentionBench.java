package dev.freqmed.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.freqmed.engine.FusedAttention;
import dev.freqmed.nn.DotProductAttention;
import java.util.Locale;

/**
 * Time of one attention ({@link DotProductAttention}) on the engine's fused kernel and on the
 * explicit path (matrix products and softmax over chunks of 1,024 queries), at the token counts
 * of FPNuNet's decoders (64² and 128² pixels, keys pooled to 16² or every pixel) and of a ViT:
 * forward at inference, and forward plus backward. Prints milliseconds per call (best of the
 * timed calls).
 *
 * <p>Usage: {@code AttentionBench [repeats=3]}.
 */
public final class AttentionBench {

    /** n, heads, queries, keys, head width, and whether backward is timed. */
    private static final int[][] SHAPES = {
        {4, 4, 4096, 256, 8, 1},      // FPNuNet CPU recipe: 64² queries, keys pooled to 16²
        {4, 4, 4096, 4096, 8, 1},     // FPNuNet CPU preset, every key
        {2, 4, 16384, 16384, 8, 0},   // FPNuNet paper, type decoder's last fusion, 128²
        {2, 12, 256, 256, 64, 1},     // a ViT-B block on 16² tokens
    };

    private AttentionBench() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args number of timed calls
     */
    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        System.out.println(
                "| n × heads × Lq × Lk × d | path | forward ms | forward + backward ms |");
        System.out.println("|---|---|---|---|");
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] s : SHAPES) {
                for (boolean fused : new boolean[] {false, true}) {
                    double fwd = FusedAttention.withFused(fused,
                            () -> time(m, s, repeats, false));
                    double both = s[5] == 0 ? Double.NaN
                            : FusedAttention.withFused(fused, () -> time(m, s, repeats, true));
                    System.out.printf(Locale.ROOT,
                            "| %d × %d × %d × %d × %d | %s | %.1f | %s |%n", s[0],
                            s[1], s[2], s[3], s[4], fused ? "fused" : "explicit", fwd,
                            Double.isNaN(both) ? "—" : String.format(Locale.ROOT, "%.1f", both));
                }
            }
        }
    }

    private static double time(NDManager parent, int[] s, int repeats, boolean backward) {
        double best = Double.MAX_VALUE;
        try (NDManager sub = parent.newSubManager()) {
            NDArray q = sub.randomNormal(new Shape(s[0], s[1], s[2], s[4]));
            NDArray k = sub.randomNormal(new Shape(s[0], s[1], s[3], s[4]));
            NDArray v = sub.randomNormal(new Shape(s[0], s[1], s[3], s[4]));
            for (int r = 0; r <= repeats; r++) {
                try (NDManager call = sub.newSubManager()) {
                    NDArray qc = q.duplicate();
                    qc.attach(call);
                    long t = System.nanoTime();
                    if (backward) {
                        qc.setRequiresGradient(true);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray y = DotProductAttention.apply(qc, k, v, 1024);
                            gc.backward(y.sum());
                        }
                        qc.getGradient().getFloat(0, 0, 0, 0);
                    } else {
                        DotProductAttention.apply(qc, k, v, 1024).getFloat(0, 0, 0, 0);
                    }
                    double ms = (System.nanoTime() - t) / 1e6;
                    if (r > 0) {
                        best = Math.min(best, ms);
                    }
                }
            }
        }
        return best;
    }
}
