package dev.freqmed.metric;

/**
 * Enhanced-alignment measure (E-measure, Fan et al. IJCAI 2018): the adaptive value ({@code adpE},
 * threshold {@code min(2 * mean(pred), 1)}) and the 256-entry curve whose entry {@code i} is for
 * threshold {@code 255 - i} on the quantised map {@code (uint8)(pred * 255)}.
 *
 * <p>Reduction: per image; the dataset {@code adpE} is the mean over images, the dataset curve
 * the element-wise mean of the per-image curves, and {@code meanE}/{@code maxE} are taken on that
 * mean curve. Empty-mask rule: an empty mask scores the predicted-background pixel count, an
 * all-foreground mask the predicted-foreground count, divided by {@code h*w - 1 + eps}.
 * Reference: PySODMetrics {@code Emeasure} (lartpang/PySODMetrics ac5b1fc).
 */
public final class EnhancedAlignmentMeasure extends SaliencyMetric {

    /** Entry 0: adpE; entries 1..256: the curve. */
    @Override
    double[] measure(SaliencyPair pair) {
        double[] out = new double[257];
        out[0] = adaptive(pair);
        System.arraycopy(curve(pair), 0, out, 1, 256);
        return out;
    }

    /** The adaptive E-measure of one pair. */
    public static double adaptive(SaliencyPair pair) {
        double t = adaptiveThreshold(pair);
        double[] p = pair.pred();
        boolean[] g = pair.gt();
        long fgFg = 0;
        long fgBg = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] >= t) {
                if (g[i]) {
                    fgFg++;
                } else {
                    fgBg++;
                }
            }
        }
        return fromCounts(fgFg, fgBg, pair.foreground(), pair.size());
    }

    /** The 256-entry curve of one pair. */
    public static double[] curve(SaliencyPair pair) {
        return curve(histograms(pair), pair.foreground(), pair.size());
    }

    static double[] curve(int[][] hist, long gtFg, long size) {
        long[] fgFg = cumulativeFromTop(hist[0]);
        long[] fgBg = cumulativeFromTop(hist[1]);
        double[] c = new double[256];
        for (int i = 0; i < 256; i++) {
            c[i] = fromCounts(fgFg[i], fgBg[i], gtFg, size);
        }
        return c;
    }

    /** E-measure of a binary prediction given its counts on mask foreground and background. */
    static double fromCounts(long fgFg, long fgBg, long gtFg, long size) {
        long predFg = fgFg + fgBg;
        long predBg = size - predFg;
        double sum;
        if (gtFg == 0) {
            sum = predBg;
        } else if (gtFg == size) {
            sum = predFg;
        } else {
            long bgFg = gtFg - fgFg;
            long bgBg = predBg - bgFg;
            double meanPred = (double) predFg / size;
            double meanGt = (double) gtFg / size;
            double pf = 1 - meanPred;
            double pb = 0 - meanPred;
            double gf = 1 - meanGt;
            double gb = 0 - meanGt;
            sum = 0;
            sum += enhanced(pf, gf) * fgFg;
            sum += enhanced(pf, gb) * fgBg;
            sum += enhanced(pb, gf) * bgFg;
            sum += enhanced(pb, gb) * bgBg;
        }
        return sum / (size - 1 + EPS);
    }

    private static double enhanced(double a, double b) {
        double align = 2 * (a * b) / (a * a + b * b + EPS);
        double t = align + 1;
        return t * t / 4;
    }

    @Override
    public MetricResult result() {
        double[] curve = meanCurve(1, 256);
        return new MetricResult().put("adpE", meanOf(0)).put("meanE", curveMean(curve))
                .put("maxE", curveMax(curve)).putCurve("curve_E", curve);
    }
}
