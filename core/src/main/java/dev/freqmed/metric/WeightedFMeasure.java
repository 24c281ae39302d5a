package dev.freqmed.metric;

import dev.freqmed.metric.image.DistanceTransform;
import dev.freqmed.metric.image.PairwiseSum;

/**
 * Weighted F-measure (Margolin et al. CVPR 2014) with beta 1, as PySODMetrics ports the MATLAB
 * code: background errors take the error of the nearest foreground pixel (exact Euclidean
 * distance transform, scipy tie rules), are smoothed by a normalised 7x7 Gaussian of sigma 5
 * (MATLAB {@code fspecial}, zero padding) and weighted by {@code 2 - exp(ln(0.5)/5 * dist)}.
 *
 * <p>Reduction: per image, then the arithmetic mean over images. Empty-mask rule: a mask without
 * foreground gives 0. Reference: PySODMetrics {@code WeightedFmeasure}
 * (lartpang/PySODMetrics ac5b1fc).
 */
public final class WeightedFMeasure extends SaliencyMetric {

    private static final double BETA = 1;
    /**
     * One-dimensional factor of the normalised 7x7 Gaussian of sigma 5: the 2-D kernel is the
     * outer product of these taps (no tap falls under MATLAB's {@code eps * max} cut-off, so the
     * normalised 2-D kernel factorises), and filtering rows then columns gives the 2-D
     * correlation up to round-off in the last bits.
     */
    private static final double[] TAPS = taps(7, 5);
    private static final double DECAY = Math.log(0.5) / 5;
    /** {@code 2 - exp(DECAY * sqrt(d2))} for squared distances below 2^16, the same formula. */
    private static final double[] WEIGHT = new double[1 << 16];

    static {
        for (int d2 = 0; d2 < WEIGHT.length; d2++) {
            WEIGHT[d2] = 2 - Math.exp(DECAY * Math.sqrt(d2));
        }
    }

    /** The value for one pair. */
    public static double compute(SaliencyPair pair) {
        return compute(pair, new Workspace());
    }

    /** The value for one pair, with reused scratch arrays. */
    static double compute(SaliencyPair pair, Workspace ws) {
        if (pair.foreground() == 0) {
            return 0;
        }
        int w = pair.width();
        int h = pair.height();
        int n = pair.size();
        double[] p = pair.pred();
        boolean[] g = pair.gt();
        int[] nearest = ws.ints(0, n);
        int[] squared = ws.ints(1, n);
        // Squared distances saturate at 2^31 - 1, where the weight is exactly 2 already.
        DistanceTransform.computeInto(g, w, h, ws.ints(2, n), nearest, squared);
        // E = |pred - gt| is 1 - pred on the foreground and pred on the background (exactly);
        // Et replaces background errors by the error of the nearest foreground pixel.
        double[] et = ws.doubles(0, n);
        for (int i = 0; i < n; i++) {
            et[i] = g[i] ? 1.0 - p[i] : 1.0 - p[nearest[i]];
        }
        double[] rows = ws.doubles(1, n);
        horizontalNearForeground(et, g, w, h, rows);
        int nf = pair.foreground();
        // Weighted errors: foreground ones at 0 .. nf-1, background ones at nf .. n-1, each in
        // image order (as the reference's boolean indexing gathers them).
        double[] ew = ws.doubles(2, n);
        int a = 0;
        int b = nf;
        for (int r = 0; r < h; r++) {
            int dyLo = Math.max(-3, -r);
            int dyHi = Math.min(3, h - 1 - r);
            for (int c = 0; c < w; c++) {
                int i = r * w + c;
                if (g[i]) {
                    // EA is only used on the foreground: the vertical pass of the separable
                    // Gaussian over the horizontally filtered rows (zero padding).
                    double ea = 0;
                    for (int dy = dyLo; dy <= dyHi; dy++) {
                        ea += rows[i + dy * w] * TAPS[dy + 3];
                    }
                    double e = et[i];
                    ew[a++] = ea < e ? ea : e;
                } else {
                    int d2 = squared[i];
                    double weight = d2 < WEIGHT.length ? WEIGHT[d2]
                            : 2 - Math.exp(DECAY * Math.sqrt(d2));
                    ew[b++] = p[i] * weight;
                }
            }
        }
        double sumFg = PairwiseSum.sum(ew, 0, nf);
        double tpw = nf - sumFg;
        double fpw = PairwiseSum.sum(ew, nf, n - nf);
        double recall = 1 - sumFg / nf;
        double precision = tpw / (tpw + fpw + EPS);
        return (1 + BETA) * recall * precision / (recall + BETA * precision + EPS);
    }

    /**
     * Horizontal pass of the separable Gaussian (zero padding), computed only where the vertical
     * pass will read it: on pixels with a foreground pixel at most 3 rows above or below in the
     * same column. Other entries are left as they were and never read.
     */
    private static void horizontalNearForeground(double[] img, boolean[] g, int w, int h,
                                                 double[] out) {
        // window[c] counts the foreground pixels of column c in rows r-3 .. r+3.
        int[] window = new int[w];
        for (int r = 0; r < Math.min(3, h); r++) {
            for (int c = 0; c < w; c++) {
                window[c] += g[r * w + c] ? 1 : 0;
            }
        }
        for (int r = 0; r < h; r++) {
            if (r + 3 < h) {
                int base = (r + 3) * w;
                for (int c = 0; c < w; c++) {
                    window[c] += g[base + c] ? 1 : 0;
                }
            }
            if (r - 4 >= 0) {
                int base = (r - 4) * w;
                for (int c = 0; c < w; c++) {
                    window[c] -= g[base + c] ? 1 : 0;
                }
            }
            int base = r * w;
            for (int c = 0; c < w; c++) {
                if (window[c] == 0) {
                    continue;
                }
                int i = base + c;
                double acc;
                if (c >= 3 && c < w - 3) {
                    acc = img[i - 3] * TAPS[0] + img[i - 2] * TAPS[1] + img[i - 1] * TAPS[2]
                            + img[i] * TAPS[3] + img[i + 1] * TAPS[4] + img[i + 2] * TAPS[5]
                            + img[i + 3] * TAPS[6];
                } else {
                    acc = 0;
                    for (int dx = Math.max(-3, -c); dx <= Math.min(3, w - 1 - c); dx++) {
                        acc += img[i + dx] * TAPS[dx + 3];
                    }
                }
                out[i] = acc;
            }
        }
    }

    /** Normalised 1-D Gaussian taps {@code exp(-x^2 / (2 sigma^2)) / sum}, x centred. */
    static double[] taps(int size, double sigma) {
        double m = (size - 1) / 2.0;
        double[] k = new double[size];
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double x = -m + i;
            k[i] = Math.exp(-(x * x) / (2 * sigma * sigma));
            sum += k[i];
        }
        for (int i = 0; i < size; i++) {
            k[i] /= sum;
        }
        return k;
    }

    @Override
    double[] measure(SaliencyPair pair) {
        return new double[] {compute(pair)};
    }

    @Override
    public MetricResult result() {
        return new MetricResult().put("wFmeasure", meanOf(0));
    }
}
