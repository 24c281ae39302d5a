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
        double[] p = pair.pred();
        int n = pair.size();
        double y = (double) pair.foreground() / n;
        if (y == 0) {
            return 1 - PairwiseSum.mean(p);
        }
        if (y == 1) {
            return PairwiseSum.mean(p);
        }
        double object = object(pair, y) * ALPHA;
        double region = region(pair) * (1 - ALPHA);
        return Math.max(0, object + region);
    }

    private static double object(SaliencyPair pair, double gtMean) {
        double[] p = pair.pred();
        boolean[] g = pair.gt();
        int nf = pair.foreground();
        double[] fg = new double[nf];
        double[] bg = new double[p.length - nf];
        int a = 0;
        int b = 0;
        for (int i = 0; i < p.length; i++) {
            if (g[i]) {
                fg[a++] = p[i];
            } else {
                bg[b++] = 1 - p[i];
            }
        }
        return sObject(fg) * gtMean + sObject(bg) * (1 - gtMean);
    }

    private static double sObject(double[] x) {
        double mean = PairwiseSum.mean(x);
        double std = 0;
        if (x.length > 1) {
            double[] d = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double t = x[i] - mean;
                d[i] = t * t;
            }
            std = Math.sqrt(PairwiseSum.sum(d) / (x.length - 1));
        }
        return 2 * mean / (mean * mean + 1 + std + EPS);
    }

    private static double region(SaliencyPair pair) {
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
        double[] scratch = new double[pair.size()];
        double[] scratch2 = new double[pair.size()];
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
