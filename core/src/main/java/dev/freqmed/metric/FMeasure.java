package dev.freqmed.metric;

/**
 * F-measure with beta² = 0.3 (Achanta et al. CVPR 2009): the adaptive value ({@code adpF},
 * threshold {@code min(2 * mean(pred), 1)}, 0 when nothing is hit) and 256-entry precision,
 * recall and F curves, entry {@code i} for threshold {@code 255 - i} on {@code (uint8)(pred*255)}.
 *
 * <p>Reduction: per image; dataset {@code adpF} is the mean over images; curves are averaged
 * element-wise and {@code meanF}/{@code maxF} are taken on the mean F curve. Empty-mask rule:
 * precision uses {@code max(#predicted, 1)}, recall {@code max(#gt, 1)}, and F is 0 wherever
 * {@code 1.3*p*r == 0}. Reference: PySODMetrics {@code Fmeasure} (the original class, not
 * {@code FmeasureV2}; lartpang/PySODMetrics ac5b1fc).
 */
public final class FMeasure extends SaliencyMetric {

    private static final double BETA = 0.3;

    /** Entry 0: adpF; then precision, recall and F curves of 256 entries each. */
    @Override
    double[] measure(SaliencyPair pair) {
        double[] out = new double[1 + 3 * 256];
        out[0] = adaptive(pair);
        double[][] c = curves(histograms(pair), pair.foreground());
        System.arraycopy(c[0], 0, out, 1, 256);
        System.arraycopy(c[1], 0, out, 257, 256);
        System.arraycopy(c[2], 0, out, 513, 256);
        return out;
    }

    /** The adaptive F-measure of one pair. */
    public static double adaptive(SaliencyPair pair) {
        double t = adaptiveThreshold(pair);
        double[] p = pair.pred();
        boolean[] g = pair.gt();
        long inter = 0;
        long predicted = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] >= t) {
                predicted++;
                inter += g[i] ? 1 : 0;
            }
        }
        if (inter == 0) {
            return 0;
        }
        double pre = (double) inter / predicted;
        double rec = (double) inter / pair.foreground();
        return (1 + BETA) * pre * rec / (BETA * pre + rec);
    }

    /** Precision, recall and F curves from the histograms of {@link #histograms}. */
    static double[][] curves(int[][] hist, long gtFg) {
        long[] tp = cumulativeFromTop(hist[0]);
        long[] fp = cumulativeFromTop(hist[1]);
        double t = Math.max(gtFg, 1);
        double[] pr = new double[256];
        double[] rc = new double[256];
        double[] f = new double[256];
        for (int i = 0; i < 256; i++) {
            long ps = tp[i] + fp[i];
            if (ps == 0) {
                ps = 1;
            }
            pr[i] = (double) tp[i] / ps;
            rc[i] = tp[i] / t;
            double num = (1 + BETA) * pr[i] * rc[i];
            double den = num == 0 ? 1 : BETA * pr[i] + rc[i];
            f[i] = num / den;
        }
        return new double[][] {pr, rc, f};
    }

    @Override
    public MetricResult result() {
        double[] f = meanCurve(513, 256);
        return new MetricResult().put("adpF", meanOf(0)).put("meanF", curveMean(f))
                .put("maxF", curveMax(f)).putCurve("curve_F", f)
                .putCurve("curve_precision", meanCurve(1, 256))
                .putCurve("curve_recall", meanCurve(257, 256));
    }
}
