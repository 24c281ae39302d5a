package dev.freqmed.metric;

import dev.freqmed.metric.image.PairwiseSum;

/**
 * Mean absolute error between a normalised saliency map and its binary mask.
 *
 * <p>Reduction: per image {@code mean(|pred - gt|)} over all pixels, then the arithmetic mean over
 * images. Empty masks need no special rule. Reference: PySODMetrics {@code MAE}
 * (lartpang/PySODMetrics ac5b1fc), inputs converted as {@link SaliencyPair}.
 */
public final class MeanAbsoluteError extends SaliencyMetric {

    /** The value for one pair. */
    public static double compute(SaliencyPair pair) {
        return compute(pair, new Workspace());
    }

    /** The value for one pair, with reused scratch arrays. */
    static double compute(SaliencyPair pair, Workspace ws) {
        double[] p = pair.pred();
        boolean[] g = pair.gt();
        int n = pair.size();
        double[] e = ws.doubles(0, n);
        for (int i = 0; i < n; i++) {
            e[i] = Math.abs(p[i] - (g[i] ? 1.0 : 0.0));
        }
        return PairwiseSum.sum(e, 0, n) / n;
    }

    @Override
    double[] measure(SaliencyPair pair) {
        return new double[] {compute(pair)};
    }

    @Override
    public MetricResult result() {
        return new MetricResult().put("MAE", meanOf(0));
    }
}
