package dev.freqmed.metric;

import dev.freqmed.metric.image.PairwiseSum;

/**
 * Structure measure (S-measure, Fan et al. ICCV 2017) with alpha 0.5.
 *
 * <p>Reduction: per image, then the arithmetic mean over images. Empty-mask rule: a mask without
 * foreground gives {@code 1 - mean(pred)}, an all-foreground mask {@code mean(pred)}.
 * Reference: PySODMetrics {@code Smeasure} (lartpang/PySODMetrics ac5b1fc); object score with the
 * N-1 standard deviation, region score on quadrants cut at the rounded foreground centroid + 1,
 * sums in numpy's order.
 */
public final class StructureMeasure extends SaliencyMetric {

    private static final double ALPHA = 0.5;

    /** The value for one pair. */
    public static double compute(SaliencyPair pair) {
        return compute(pair, new Workspace());
    }

    /** The value for one pair, with reused scratch arrays. */
    static double compute(SaliencyPair pair, Workspace ws) {
        double[] p = pair.pred();
        int n = pair.size();
        double y = (double) pair.foreground() / n;
        if (y == 0) {
            return 1 - PairwiseSum.mean(p);
        }
        if (y == 1) {
            return PairwiseSum.mean(p);
        }
        double object = object(pair, y, ws) * ALPHA;
        double region = region(pair, ws) * (1 - ALPHA);
        return Math.max(0, object + region);
    }

    private static double object(SaliencyPair pair, double gtMean, Workspace ws) {
        double[] p = pair.pred();
        boolean[] g = pair.gt();
        int n = pair.size();
        int nf = pair.foreground();
        // Foreground values at 0 .. nf-1, background ones (1 - pred) at nf .. n-1, image order.
        double[] x = ws.doubles(0, n);
        int a = 0;
        int b = nf;
        for (int i = 0; i < n; i++) {
            if (g[i]) {
                x[a++] = p[i];
            } else {
                x[b++] = 1 - p[i];
            }
        }
        return sObject(x, 0, nf) * gtMean + sObject(x, nf, n - nf) * (1 - gtMean);
    }

    /** Object score of {@code x[from .. from+len-1]}; overwrites that range. */
    private static double sObject(double[] x, int from, int len) {
        double mean = PairwiseSum.sum(x, from, len) / len;
        double std = 0;
        if (len > 1) {
            for (int i = from; i < from + len; i++) {
                double t = x[i] - mean;
                x[i] = t * t;
            }
            std = Math.sqrt(PairwiseSum.sum(x, from, len) / (len - 1));
        }
        return 2 * mean / (mean * mean + 1 + std + EPS);
    }

    private static double region(SaliencyPair pair, Workspace ws) {
        int h = pair.height();
        int w = pair.width();
        boolean[] g = pair.gt();
        long sy = 0;
        long sx = 0;
        long cnt = 0;
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                if (g[r * w + c]) {
                    sy += r;
                    sx += c;
                    cnt++;
                }
            }
        }
        int cy = (int) Math.rint((double) sy / cnt) + 1;
        int cx = (int) Math.rint((double) sx / cnt) + 1;
        double area = (double) h * w;
        double wLt = cx * (double) cy / area;
        double wRt = cy * (double) (w - cx) / area;
        double wLb = (h - cy) * (double) cx / area;
        double wRb = 1 - wLt - wRt - wLb;
        double[] scratch = ws.doubles(0, pair.size());
        double[] scratch2 = ws.doubles(1, pair.size());
        double sLt = ssim(pair, 0, cy, 0, cx, scratch, scratch2) * wLt;
        double sRt = ssim(pair, 0, cy, cx, w, scratch, scratch2) * wRt;
        double sLb = ssim(pair, cy, h, 0, cx, scratch, scratch2) * wLb;
        double sRb = ssim(pair, cy, h, cx, w, scratch, scratch2) * wRb;
        return sLt + sRt + sLb + sRb;
    }

    private static double ssim(SaliencyPair pair, int y0, int y1, int x0, int x1,
                               double[] s1, double[] s2) {
        int w = pair.width();
        double[] p = pair.pred();
        boolean[] g = pair.gt();
        int nRows = Math.max(0, y1 - y0);
        int nCols = Math.max(0, x1 - x0);
        double n = (double) nRows * nCols;
        double x = PairwiseSum.windowSum(p, w, y0, y1, x0, x1) / n;
        long fg = 0;
        for (int r = y0; r < y1; r++) {
            for (int c = x0; c < x1; c++) {
                fg += g[r * w + c] ? 1 : 0;
            }
        }
        double y = fg / n;
        for (int r = y0; r < y1; r++) {
            for (int c = x0; c < x1; c++) {
                int i = r * w + c;
                double dx = p[i] - x;
                s1[i] = dx * dx;
            }
        }
        double sigmaX = PairwiseSum.windowSum(s1, w, y0, y1, x0, x1) / (n - 1 + EPS);
        for (int r = y0; r < y1; r++) {
            for (int c = x0; c < x1; c++) {
                int i = r * w + c;
                double dy = (g[i] ? 1.0 : 0.0) - y;
                s1[i] = dy * dy;
                s2[i] = (p[i] - x) * dy;
            }
        }
        double sigmaY = PairwiseSum.windowSum(s1, w, y0, y1, x0, x1) / (n - 1 + EPS);
        double sigmaXy = PairwiseSum.windowSum(s2, w, y0, y1, x0, x1) / (n - 1 + EPS);
        double alpha = 4 * x * y * sigmaXy;
        double beta = (x * x + y * y) * (sigmaX + sigmaY);
        if (alpha != 0) {
            return alpha / (beta + EPS);
        }
        return beta == 0 ? 1 : 0;
    }

    @Override
    double[] measure(SaliencyPair pair) {
        return new double[] {compute(pair)};
    }

    @Override
    public MetricResult result() {
        return new MetricResult().put("Smeasure", meanOf(0));
    }
}
