package dev.freqmed.data.transform;

import dev.freqmed.data.FloatImage;

/**
 * Host-side resizing of {@link FloatImage}s.
 *
 * <p>{@link #bilinearAntialias} is the triangle-filter resampling of PIL's {@code BILINEAR} (the
 * filter support widens by the scale factor when shrinking, so downscaling averages instead of
 * aliasing); it is what the reference pre-processing ({@code scipy.misc.imresize(...,
 * interp='bilinear')}) used. {@link #nearest} picks {@code floor((i + 0.5) * in / out)}.
 */
public final class Resample {

    private Resample() {
    }

    /** Resizes every channel to {@code outH x outW} with PIL-style antialiased bilinear filtering. */
    public static FloatImage bilinearAntialias(FloatImage in, int outH, int outW) {
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("output size must be positive, found " + outH + "x" + outW);
        }
        if (in.height() == outH && in.width() == outW) {
            return in.copy();
        }
        Weights wy = weights(in.height(), outH);
        Weights wx = weights(in.width(), outW);
        int c = in.channels();
        float[] src = in.data();
        int inH = in.height();
        int inW = in.width();
        // Horizontal pass: (C, inH, outW).
        float[] tmp = new float[c * inH * outW];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < inH; y++) {
                int rowIn = (ch * inH + y) * inW;
                int rowOut = (ch * inH + y) * outW;
                for (int x = 0; x < outW; x++) {
                    double acc = 0;
                    int start = wx.start[x];
                    int base = x * wx.maxTaps;
                    for (int k = 0; k < wx.count[x]; k++) {
                        acc += wx.w[base + k] * src[rowIn + start + k];
                    }
                    tmp[rowOut + x] = (float) acc;
                }
            }
        }
        // Vertical pass: (C, outH, outW).
        float[] out = new float[c * outH * outW];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < outH; y++) {
                int start = wy.start[y];
                int base = y * wy.maxTaps;
                int rowOut = (ch * outH + y) * outW;
                for (int x = 0; x < outW; x++) {
                    double acc = 0;
                    for (int k = 0; k < wy.count[y]; k++) {
                        acc += wy.w[base + k] * tmp[(ch * inH + start + k) * outW + x];
                    }
                    out[rowOut + x] = (float) acc;
                }
            }
        }
        return new FloatImage(c, outH, outW, out);
    }

    /** Resizes every channel to {@code outH x outW} by nearest-neighbour sampling. */
    public static FloatImage nearest(FloatImage in, int outH, int outW) {
        int c = in.channels();
        float[] out = new float[c * outH * outW];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < outH; y++) {
                int sy = Math.min(in.height() - 1, (int) Math.floor((y + 0.5) * in.height() / outH));
                for (int x = 0; x < outW; x++) {
                    int sx = Math.min(in.width() - 1, (int) Math.floor((x + 0.5) * in.width() / outW));
                    out[(ch * outH + y) * outW + x] = in.get(ch, sy, sx);
                }
            }
        }
        return new FloatImage(c, outH, outW, out);
    }

    private record Weights(int[] start, int[] count, double[] w, int maxTaps) {
    }

    private static Weights weights(int in, int out) {
        double scale = (double) in / out;
        double support = Math.max(scale, 1.0);
        int maxTaps = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[out];
        int[] count = new int[out];
        double[] w = new double[out * maxTaps];
        for (int i = 0; i < out; i++) {
            double center = (i + 0.5) * scale;
            int lo = (int) Math.max(0, Math.floor(center - support + 0.5));
            int hi = (int) Math.min(in, Math.floor(center + support + 0.5));
            double total = 0;
            int n = Math.min(hi - lo, maxTaps);
            for (int k = 0; k < n; k++) {
                double t = (lo + k - center + 0.5) / support;
                double v = Math.max(0.0, 1.0 - Math.abs(t));
                w[i * maxTaps + k] = v;
                total += v;
            }
            if (total > 0) {
                for (int k = 0; k < n; k++) {
                    w[i * maxTaps + k] /= total;
                }
            }
            start[i] = lo;
            count[i] = n;
        }
        return new Weights(start, count, w, maxTaps);
    }
}
