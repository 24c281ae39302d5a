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
        double[] p = pair.pred();
        boolean[] g = pair.gt();
        double[] e = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            e[i] = Math.abs(p[i] - (g[i] ? 1.0 : 0.0));
        }
        return PairwiseSum.mean(e);
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
