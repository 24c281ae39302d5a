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
    private static final double[] KERNEL = gaussian(7, 5);
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
        if (pair.foreground() == 0) {
            return 0;
        }
        int w = pair.width();
        int h = pair.height();
        int n = pair.size();
        double[] p = pair.pred();
        boolean[] g = pair.gt();
        DistanceTransform dt = DistanceTransform.compute(g, w, h);
        // E = |pred - gt| is 1 - pred on the foreground and pred on the background (exactly);
        // Et replaces background errors by the error of the nearest foreground pixel.
        double[] et = new double[n];
        for (int i = 0; i < n; i++) {
            et[i] = g[i] ? 1.0 - p[i] : 1.0 - p[dt.nearest(i)];
        }
        int nf = pair.foreground();
        double[] ewFg = new double[nf];
        double[] ewBg = new double[n - nf];
        int a = 0;
        int b = 0;
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int i = r * w + c;
                if (g[i]) {
                    double ea = filterAt(et, w, h, r, c);
                    double e = et[i];
                    ewFg[a++] = ea < e ? ea : e;
                } else {
                    long d2 = dt.squaredDistance(i);
                    double weight = d2 < WEIGHT.length ? WEIGHT[(int) d2]
                            : 2 - Math.exp(DECAY * Math.sqrt((double) d2));
                    ewBg[b++] = p[i] * weight;
                }
            }
        }
        double sumFg = PairwiseSum.sum(ewFg);
        double tpw = nf - sumFg;
        double fpw = PairwiseSum.sum(ewBg);
        double recall = 1 - sumFg / nf;
        double precision = tpw / (tpw + fpw + EPS);
        return (1 + BETA) * recall * precision / (recall + BETA * precision + EPS);
    }

    /** Correlation with the 7x7 kernel at one pixel, zero outside, kernel taps in row order. */
    private static double filterAt(double[] img, int w, int h, int r, int c) {
        if (r >= 3 && r < h - 3 && c >= 3 && c < w - 3) {
            double acc = 0;
            int k = 0;
            for (int dy = -3; dy <= 3; dy++) {
                int row = (r + dy) * w + c;
                for (int dx = -3; dx <= 3; dx++, k++) {
                    acc += img[row + dx] * KERNEL[k];
                }
            }
            return acc;
        }
        double acc = 0;
        int k = 0;
        for (int dy = -3; dy <= 3; dy++) {
            int y = r + dy;
            for (int dx = -3; dx <= 3; dx++, k++) {
                int x = c + dx;
                double v = (y >= 0 && y < h && x >= 0 && x < w) ? img[y * w + x] : 0.0;
                acc += v * KERNEL[k];
            }
        }
        return acc;
    }

    /** MATLAB {@code fspecial('gaussian', size, sigma)}, row-major. */
    static double[] gaussian(int size, double sigma) {
        double m = (size - 1) / 2.0;
        double[] k = new double[size * size];
        double max = 0;
        for (int i = 0; i < size; i++) {
            double y = -m + i;
            for (int j = 0; j < size; j++) {
                double x = -m + j;
                double v = Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
                k[i * size + j] = v;
                max = Math.max(max, v);
            }
        }
        for (int i = 0; i < k.length; i++) {
            if (k[i] < Math.ulp(1.0) * max) {
                k[i] = 0;
            }
        }
        double sum = PairwiseSum.sum(k);
        if (sum != 0) {
            for (int i = 0; i < k.length; i++) {
                k[i] /= sum;
            }
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
