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
    private final int[][] histograms;

    private SaliencyPair(int width, int height, double[] pred, boolean[] gt, int foreground,
                         int[][] histograms) {
        this.width = width;
        this.height = height;
        this.pred = pred;
        this.gt = gt;
        this.foreground = foreground;
        this.histograms = histograms;
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
        int bmin = 255;
        int bmax = 0;
        for (int v : predBytes) {
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException(
                        "saliency map values must be bytes 0..255, found " + v);
            }
            bmin = Math.min(bmin, v);
            bmax = Math.max(bmax, v);
        }
        // The conversion is a function of the byte, so it is tabulated: the same arithmetic
        // (byte / 255.0, then (p - min) / (max - min)) as the reference, once per byte value.
        double min = bmin / 255.0;
        double max = bmax / 255.0;
        double[] lut = new double[256];
        int[] qlut = new int[256];
        for (int v = 0; v < 256; v++) {
            double x = v / 255.0;
            lut[v] = max != min ? (x - min) / (max - min) : x;
            qlut[v] = (int) (lut[v] * 255);
        }
        double[] p = new double[n];
        boolean[] g = new boolean[n];
        int[][] hist = new int[2][256];
        int fg = 0;
        for (int i = 0; i < n; i++) {
            int v = predBytes[i];
            p[i] = lut[v];
            boolean f = gtBytes[i] > 128;
            g[i] = f;
            fg += f ? 1 : 0;
            hist[f ? 0 : 1][v]++;
        }
        int[][] qhist = new int[2][256];
        for (int k = 0; k < 2; k++) {
            for (int v = bmin; v <= bmax; v++) {
                qhist[k][qlut[v]] += hist[k][v];
            }
        }
        return new SaliencyPair(width, height, p, g, fg, qhist);
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
     * Histograms of the map quantised as PySODMetrics does for its curves,
     * {@code (uint8)(pred * 255)} (truncation of the normalised value), over the mask foreground
     * ({@code [0]}) and background ({@code [1]}). Shared, do not modify.
     */
    int[][] quantisedHistograms() {
        return histograms;
    }
}
