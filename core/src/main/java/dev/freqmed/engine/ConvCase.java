package dev.freqmed.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One convolution shape of the known-answer self-test.
 *
 * @param n           batch
 * @param ci          input channels
 * @param co          output channels
 * @param h           input height
 * @param w           input width
 * @param kh          kernel height
 * @param kw          kernel width
 * @param stride      stride (both axes)
 * @param pad         zero padding (both axes)
 * @param dilation    dilation (both axes)
 * @param groups      groups
 * @param channelsLast whether the input is a channels-last (NHWC-strided) view, as the
 *                    transposed token maps of a vision transformer are
 */
public record ConvCase(int n, int ci, int co, int h, int w, int kh, int kw, int stride, int pad,
        int dilation, int groups, boolean channelsLast) {

    /** The routing class of this shape. */
    public ConvClass convClass() {
        return ConvClass.of(kh, kw, stride, stride, groups);
    }

    /** Output height. */
    public int outH() {
        return (h + 2 * pad - dilation * (kh - 1) - 1) / stride + 1;
    }

    /** Output width. */
    public int outW() {
        return (w + 2 * pad - dilation * (kw - 1) - 1) / stride + 1;
    }

    /** Compact text, e.g. {@code n2 16->8 16x16 k3x3 s1 p1 d1 g1}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "n%d %d->%d %dx%d k%dx%d s%d p%d d%d g%d%s", n, ci, co,
                h, w, kh, kw, stride, pad, dilation, groups, channelsLast ? " nhwc" : "");
    }

    /** The same case with the input in channels-last memory order (a token map's layout). */
    ConvCase inChannelsLast() {
        return new ConvCase(n, ci, co, h, w, kh, kw, stride, pad, dilation, groups, true);
    }

    private static ConvCase sq(int n, int ci, int co, int side, int k, int s, int d, int g) {
        return new ConvCase(n, ci, co, side, side, k, k, s, d * (k - 1) / 2, d, g, false);
    }

    /**
     * The shapes checked for one class: the channel counts FreqMed's networks use (1, 2, 3, 8,
     * 16, 24, 64 and tails such as 40 or 48), kernels 1, 2, 3, 5, 7, 9 and 1×3 / 3×1, stride 2
     * and 4, dilation 2, depthwise, batch 1 and 2, channels-last inputs, and the shapes known to
     * fail or crash on some machines ({@code docs/engine.md}).
     *
     * @param c the class
     * @return the cases
     */
    public static List<ConvCase> forClass(ConvClass c) {
        List<ConvCase> out = new ArrayList<>();
        switch (c) {
            case SPATIAL -> {
                out.add(sq(2, 3, 8, 16, 3, 1, 1, 1));
                out.add(sq(2, 8, 8, 16, 3, 1, 1, 1));
                out.add(sq(2, 16, 8, 16, 3, 1, 1, 1));   // backward-data NaN (AVX-512)
                out.add(sq(2, 8, 2, 16, 3, 1, 1, 1));
                out.add(sq(1, 16, 1, 16, 3, 1, 1, 1));
                out.add(sq(2, 24, 16, 16, 3, 1, 1, 1));  // forward wrong (input tail)
                out.add(sq(2, 16, 16, 16, 3, 1, 1, 1));  // control
                out.add(sq(2, 64, 24, 12, 3, 1, 1, 1));
                out.add(sq(1, 64, 64, 12, 3, 1, 1, 1));
                out.add(sq(2, 2, 3, 16, 5, 1, 1, 1));
                out.add(sq(2, 3, 16, 16, 7, 1, 1, 1));
                out.add(sq(1, 8, 8, 20, 9, 1, 1, 1));
                out.add(sq(2, 16, 24, 16, 3, 1, 2, 1));  // dilation 2
                out.add(new ConvCase(2, 16, 8, 15, 15, 2, 2, 1, 0, 1, 1, false));
                out.add(new ConvCase(2, 24, 8, 12, 12, 1, 3, 1, 1, 1, 1, false));
                out.add(new ConvCase(2, 8, 24, 12, 12, 3, 1, 1, 1, 1, 1, false));
                out.add(sq(2, 64, 24, 12, 3, 1, 1, 1).inChannelsLast());
                out.add(sq(2, 24, 8, 12, 3, 1, 1, 1).inChannelsLast());
            }
            case SPATIAL_STRIDED -> {
                out.add(sq(2, 3, 16, 32, 3, 2, 1, 1));
                out.add(sq(2, 24, 64, 16, 3, 2, 1, 1));
                out.add(sq(2, 40, 16, 16, 3, 2, 1, 1));  // input tail above 32, strided
                out.add(sq(2, 64, 24, 16, 3, 2, 1, 1));
                out.add(sq(2, 16, 8, 16, 3, 2, 1, 1));
                out.add(new ConvCase(1, 3, 64, 64, 64, 7, 7, 4, 3, 1, 1, false)); // patch embed
                out.add(new ConvCase(2, 16, 8, 16, 16, 2, 2, 2, 0, 1, 1, false));
                out.add(sq(2, 64, 48, 16, 3, 2, 1, 1).inChannelsLast());
            }
            case POINTWISE -> {
                out.add(sq(2, 24, 8, 16, 1, 1, 1, 1));
                out.add(sq(2, 64, 2, 16, 1, 1, 1, 1));
                out.add(sq(1, 3, 16, 16, 1, 1, 1, 1));
                out.add(sq(2, 16, 16, 16, 1, 1, 1, 1));
                out.add(sq(2, 48, 40, 16, 1, 1, 1, 1));
                out.add(sq(2, 64, 24, 12, 1, 1, 1, 1).inChannelsLast());
                // FSANet's tiny preset: wide concatenations squeezed to 16, tails of 40, 1x1 maps
                out.add(sq(2, 352, 16, 4, 1, 1, 1, 1));
                out.add(sq(2, 608, 16, 2, 1, 1, 1, 1));
                out.add(sq(2, 128, 40, 4, 1, 1, 1, 1));
                out.add(sq(2, 40, 16, 4, 1, 1, 1, 1));
                out.add(sq(2, 16, 4, 1, 1, 1, 1, 1));
                out.add(sq(2, 4, 16, 1, 1, 1, 1, 1));
                // the same on channels-last token maps (PVT stage outputs)
                out.add(sq(2, 32, 8, 16, 1, 1, 1, 1).inChannelsLast());
                out.add(sq(2, 64, 16, 8, 1, 1, 1, 1).inChannelsLast());
                out.add(sq(2, 128, 40, 4, 1, 1, 1, 1).inChannelsLast());
                out.add(sq(2, 256, 64, 2, 1, 1, 1, 1).inChannelsLast());
                out.add(sq(2, 64, 40, 2, 1, 1, 1, 1).inChannelsLast());
            }
            case POINTWISE_STRIDED -> {
                out.add(sq(2, 64, 24, 16, 1, 2, 1, 1));
                out.add(sq(2, 24, 64, 16, 1, 2, 1, 1));
                out.add(sq(1, 16, 8, 16, 1, 2, 1, 1));
                out.add(sq(2, 512, 1024, 44, 1, 2, 1, 1)); // crashed (SIGFPE) on some machines
            }
            case GROUPED -> {
                out.add(sq(2, 8, 8, 16, 3, 1, 1, 8));
                out.add(sq(2, 24, 24, 16, 3, 2, 1, 24));
                out.add(sq(2, 64, 64, 12, 3, 1, 1, 64));
                out.add(sq(1, 3, 3, 32, 9, 1, 1, 3));     // Gaussian band stack
                out.add(sq(2, 16, 16, 16, 5, 1, 2, 16));
                out.add(sq(2, 16, 32, 12, 3, 1, 1, 4));
                out.add(sq(2, 64, 64, 12, 3, 1, 1, 64).inChannelsLast());
            }
            default -> throw new IllegalArgumentException(c.toString());
        }
        return out;
    }
}
