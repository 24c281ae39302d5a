package dev.freqmed.metric.image;

/**
 * Floating-point sums in the order numpy uses for a contiguous float64 reduction (pairwise
 * summation with blocks of 128 and eight partial sums), so that means and sums of large maps round
 * exactly as in the Python references.
 *
 * <p>Reference: numpy 1.24 {@code pairwise_sum_DOUBLE} in {@code loops_utils.h.src}.
 */
public final class PairwiseSum {

    private static final int BLOCK = 128;

    private PairwiseSum() {
    }

    /** Sum of {@code a[from .. from+n-1]} in numpy's order, starting from 0. */
    public static double sum(double[] a, int from, int n) {
        return 0.0 + pairwise(a, from, n);
    }

    /** Sum of the whole array in numpy's order. */
    public static double sum(double[] a) {
        return sum(a, 0, a.length);
    }

    /** Mean of the whole array as {@code numpy.mean}: the pairwise sum divided by the length. */
    public static double mean(double[] a) {
        return sum(a) / a.length;
    }

    /**
     * Sum over a rectangular window of a row-major image with {@code stride} columns, as numpy
     * reduces a 2-D slice: one pairwise sum per row, accumulated row after row. A window that spans
     * whole rows is contiguous and summed in one pass.
     */
    public static double windowSum(double[] a, int stride, int y0, int y1, int x0, int x1) {
        if (y1 <= y0 || x1 <= x0) {
            return 0.0;
        }
        if (x0 == 0 && x1 == stride) {
            return sum(a, y0 * stride, (y1 - y0) * stride);
        }
        double acc = 0.0;
        for (int y = y0; y < y1; y++) {
            acc += pairwise(a, y * stride + x0, x1 - x0);
        }
        return acc;
    }

    private static double pairwise(double[] a, int from, int n) {
        if (n < 8) {
            double res = 0.0;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        } else if (n <= BLOCK) {
            double r0 = a[from];
            double r1 = a[from + 1];
            double r2 = a[from + 2];
            double r3 = a[from + 3];
            double r4 = a[from + 4];
            double r5 = a[from + 5];
            double r6 = a[from + 6];
            double r7 = a[from + 7];
            int i = 8;
            int end = n - (n % 8);
            for (; i < end; i += 8) {
                int b = from + i;
                r0 += a[b];
                r1 += a[b + 1];
                r2 += a[b + 2];
                r3 += a[b + 3];
                r4 += a[b + 4];
                r5 += a[b + 5];
                r6 += a[b + 6];
                r7 += a[b + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return pairwise(a, from, n2) + pairwise(a, from + n2, n - n2);
    }
}
