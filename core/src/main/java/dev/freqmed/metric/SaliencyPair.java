package dev.freqmed.metric;

import dev.freqmed.io.GrayImage;

/**
 * A saliency (or dichotomous segmentation) map and its mask, converted as PySODMetrics converts
 * them: the mask is {@code byte > 128}; the map is {@code byte / 255.0}, then min-max normalised
 * to [0, 1] unless it is constant (MATLAB {@code mapminmax} behaviour; a constant map is only
 * divided by 255).
 *
 * <p>Reference: PySODMetrics {@code utils.prepare_data} (lartpang/PySODMetrics ac5b1fc).
 */
public final class SaliencyPair {

    private final int width;
    private final int height;
    private final double[] pred;
    private final boolean[] gt;
    private final int foreground;

    private SaliencyPair(int width, int height, double[] pred, boolean[] gt, int foreground) {
        this.width = width;
        this.height = height;
        this.pred = pred;
        this.gt = gt;
        this.foreground = foreground;
    }

    /**
     * Converts an 8-bit map and an 8-bit mask.
     *
     * @throws IllegalArgumentException if the sizes differ or an image is not 8-bit
     */
    public static SaliencyPair of(GrayImage prediction, GrayImage truth) {
        if (prediction.width() != truth.width() || prediction.height() != truth.height()) {
            throw new IllegalArgumentException("prediction is " + prediction.width() + "x"
                    + prediction.height() + " but ground truth is " + truth.width() + "x"
                    + truth.height());
        }
        if (prediction.bitDepth() != 8 || truth.bitDepth() != 8) {
            throw new IllegalArgumentException("saliency maps and masks must be 8-bit, found "
                    + prediction.bitDepth() + "-bit prediction and " + truth.bitDepth()
                    + "-bit ground truth");
        }
        return of(prediction.data(), truth.data(), prediction.width(), prediction.height());
    }

    /**
     * Converts row-major byte values (0..255) of a map and a mask.
     *
     * @throws IllegalArgumentException if a length does not match the size
     */
    public static SaliencyPair of(int[] predBytes, int[] gtBytes, int width, int height) {
        int n = width * height;
        if (predBytes.length != n || gtBytes.length != n) {
            throw new IllegalArgumentException("expected " + n + " values for " + width + "x"
                    + height + ", found " + predBytes.length + " and " + gtBytes.length);
        }
        double[] p = new double[n];
        boolean[] g = new boolean[n];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int fg = 0;
        for (int i = 0; i < n; i++) {
            double v = predBytes[i] / 255.0;
            p[i] = v;
            min = Math.min(min, v);
            max = Math.max(max, v);
            boolean f = gtBytes[i] > 128;
            g[i] = f;
            fg += f ? 1 : 0;
        }
        if (max != min) {
            double range = max - min;
            for (int i = 0; i < n; i++) {
                p[i] = (p[i] - min) / range;
            }
        }
        return new SaliencyPair(width, height, p, g, fg);
    }

    /** Columns. */
    public int width() {
        return width;
    }

    /** Rows. */
    public int height() {
        return height;
    }

    /** Normalised map in [0, 1], row-major (shared, do not modify). */
    double[] pred() {
        return pred;
    }

    /** Mask, row-major (shared, do not modify). */
    boolean[] gt() {
        return gt;
    }

    /** Number of foreground pixels of the mask. */
    public int foreground() {
        return foreground;
    }

    /** Number of pixels. */
    public int size() {
        return width * height;
    }

    /**
     * The map quantised as PySODMetrics does for its curves: {@code (uint8)(pred * 255)}
     * (truncation of the normalised value).
     */
    int[] quantised() {
        int[] q = new int[pred.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = (int) (pred[i] * 255);
        }
        return q;
    }
}
