package dev.freqmed.data.transform;

import dev.freqmed.data.FloatImage;

/**
 * PIL's {@code Image.resize(size, BILINEAR)} on 8-bit images, bit for bit: triangle filter whose
 * support widens by the scale when shrinking, coefficients in 22-bit fixed point, a horizontal
 * pass then a vertical pass, each rounded and saturated to 0..255 (Pillow
 * {@code libImaging/Resample.c}, {@code ImagingResampleHorizontal_8bpc} / {@code Vertical_8bpc}).
 * The FSANet reference resizes its images and masks this way (torchvision {@code Resize} on PIL
 * images), so FSANet's pre-processing uses it for exact inputs; FRCU-Net's data preparation
 * ({@code scipy.misc.imresize(..., interp='bilinear')}, which hands 8-bit arrays to the same PIL
 * call) does too, so the reference evaluation protocol of the binary family uses it. A pass whose
 * size does not change is skipped, as in Pillow.
 */
public final class PilBilinear {

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilBilinear() {
    }

    /**
     * Resizes every channel of an image with values in 0..255 (rounded and saturated to 8 bits
     * first, as PIL holds them).
     *
     * @return (C, outH, outW) with integer values in 0..255
     * @throws IllegalArgumentException if an output side is not positive
     */
    public static FloatImage resize(FloatImage in, int outH, int outW) {
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("output size must be positive, found " + outH + "x"
                    + outW);
        }
        int c = in.channels();
        int h = in.height();
        int w = in.width();
        int[] cur = new int[in.data().length];
        for (int i = 0; i < cur.length; i++) {
            cur[i] = clip8Value(Math.round(in.data()[i]));
        }
        if (outW != w) {
            Coeffs cx = coeffs(w, outW);
            int[] next = new int[c * h * outW];
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int rowIn = (ch * h + y) * w;
                    int rowOut = (ch * h + y) * outW;
                    for (int x = 0; x < outW; x++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        int base = x * cx.ksize;
                        for (int k = 0; k < cx.count[x]; k++) {
                            ss += cur[rowIn + cx.start[x] + k] * cx.k[base + k];
                        }
                        next[rowOut + x] = clip8(ss);
                    }
                }
            }
            cur = next;
            w = outW;
        }
        if (outH != h) {
            Coeffs cy = coeffs(h, outH);
            int[] next = new int[c * outH * w];
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < outH; y++) {
                    int base = y * cy.ksize;
                    int rowOut = (ch * outH + y) * w;
                    for (int x = 0; x < w; x++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int k = 0; k < cy.count[y]; k++) {
                            ss += cur[(ch * h + cy.start[y] + k) * w + x] * cy.k[base + k];
                        }
                        next[rowOut + x] = clip8(ss);
                    }
                }
            }
            cur = next;
            h = outH;
        }
        float[] out = new float[cur.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = cur[i];
        }
        return new FloatImage(c, h, w, out);
    }

    private static int clip8Value(long v) {
        return (int) Math.max(0, Math.min(255, v));
    }

    private static int clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return Math.max(0, Math.min(255, v));
    }

    private record Coeffs(int ksize, int[] start, int[] count, int[] k) {
    }

    /** Pillow's {@code precompute_coeffs} with the bilinear filter, then 8-bit normalisation. */
    private static Coeffs coeffs(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = 1.0 * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        int[] kk = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterscale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            for (int x = 0; x < xmax; x++) {
                double t = Math.abs((x + xmin - center + 0.5) * ss);
                double wv = t < 1.0 ? 1.0 - t : 0.0;
                k[x] = wv;
                ww += wv;
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                kk[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                        : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            start[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coeffs(ksize, start, count, kk);
    }
}
