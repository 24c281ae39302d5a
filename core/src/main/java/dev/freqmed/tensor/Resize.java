package dev.freqmed.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;

/**
 * Resizing of {@code (N, C, H, W)} arrays that reproduces PyTorch's {@code F.interpolate}
 * (nearest, bilinear and bicubic, with and without {@code align_corners}, given an output size
 * or a scale factor).
 *
 * <p>Two implementations sit behind one API:
 *
 * <ul>
 *   <li>{@link Mode#NEAREST}, and {@link Mode#BILINEAR} upscaling with
 *       {@code alignCorners == false}, given an output size (or a scale factor whose reciprocal
 *       equals {@code in / out}), use the engine's own kernel ({@code NDArrayEx.interpolation},
 *       modes 0 and 1), which matches torch there. The engine's mode 1 is torch's bilinear with
 *       {@code antialias=True} (its boolean argument changes nothing), so it differs from plain
 *       bilinear as soon as an axis shrinks; its mode 2 is {@code "area"} and mode 3 is
 *       antialiased bicubic;
 *   <li>everything else (bilinear with {@code align_corners=True}, bicubic, scale factors that
 *       torch uses directly as {@code 1 / factor}) is computed as two matrix products
 *       {@code y = W_h · x · W_wᵀ}, where {@code W_h} {@code (outH, inH)} and {@code W_w}
 *       {@code (outW, inW)} hold the interpolation weights torch applies along each axis. The
 *       product is exact for these separable kernels, differentiable, and runs on any device.
 * </ul>
 *
 * <p>The weights follow torch 1.13's CPU kernels ({@code UpSample.h},
 * {@code UpSampleKernel.cpp}): source index {@code scale * (dst + 0.5) - 0.5} (clamped at 0 for
 * bilinear, not for bicubic) or {@code scale * dst} with {@code align_corners}; bicubic uses the
 * cubic convolution kernel with {@code A = -0.75} and clamps the four taps to the border; nearest
 * uses torch's legacy rule {@code src = min(floor(dst * in / out), in - 1)}. Index arithmetic is
 * done in single precision as torch does for float32 inputs, so that nearest picks the same
 * pixels.
 */
public final class Resize {

    /** Interpolation kernels, named as in torch's {@code mode} argument. */
    public enum Mode {
        /** Torch's legacy {@code "nearest"} (not {@code "nearest-exact"}). */
        NEAREST,
        /** {@code "bilinear"}. */
        BILINEAR,
        /** {@code "bicubic"} with {@code A = -0.75}. */
        BICUBIC;

        /**
         * Parses a torch mode name ({@code nearest}, {@code bilinear}, {@code bicubic}).
         *
         * @param name the mode name, case-insensitive
         * @return the mode
         * @throws IllegalArgumentException for any other name
         */
        public static Mode parse(String name) {
            if (name != null) {
                switch (name.trim().toLowerCase(Locale.ROOT)) {
                    case "nearest":
                        return NEAREST;
                    case "bilinear":
                        return BILINEAR;
                    case "bicubic":
                        return BICUBIC;
                    default:
                        break;
                }
            }
            throw new IllegalArgumentException(
                    "Expected interpolation mode nearest|bilinear|bicubic, found: " + name);
        }
    }

    private static final float CUBIC_A = -0.75f;

    private Resize() {}

    /**
     * Resizes to an explicit output size, like {@code F.interpolate(x, size=(height, width),
     * mode=mode, align_corners=alignCorners)}.
     *
     * @param x input of shape {@code (N, C, H, W)}, floating point
     * @param height output height, at least 1
     * @param width output width, at least 1
     * @param mode interpolation kernel
     * @param alignCorners torch's {@code align_corners}; must be false for {@link Mode#NEAREST}
     * @return a new array of shape {@code (N, C, height, width)} on the same device, recorded by
     *     autograd
     * @throws IllegalArgumentException if {@code x} is not 4-D, a size is not positive, or
     *     {@code alignCorners} is requested for nearest
     */
    public static NDArray resize(
            NDArray x, int height, int width, Mode mode, boolean alignCorners) {
        return resizeInternal(x, height, width, 0, 0, mode, alignCorners);
    }

    /**
     * Resizes to the spatial size of another array, as {@code F.interpolate(x,
     * size=like.shape[-2:], ...)}.
     *
     * @param x input of shape {@code (N, C, H, W)}
     * @param like array whose last two axes give the output size
     * @param mode interpolation kernel
     * @param alignCorners torch's {@code align_corners}
     * @return the resized array
     * @throws IllegalArgumentException if {@code like} has fewer than 2 axes, or as
     *     {@link #resize(NDArray, int, int, Mode, boolean)}
     */
    public static NDArray resizeLike(NDArray x, NDArray like, Mode mode, boolean alignCorners) {
        Shape s = like.getShape();
        if (s.dimension() < 2) {
            throw new IllegalArgumentException(
                    "Expected a reference array with at least 2 axes, found " + s);
        }
        return resize(
                x,
                Math.toIntExact(s.get(s.dimension() - 2)),
                Math.toIntExact(s.get(s.dimension() - 1)),
                mode,
                alignCorners);
    }

    /**
     * Resizes by a scale factor, like {@code F.interpolate(x, scale_factor=factor, mode=mode,
     * align_corners=alignCorners)} with torch's default {@code recompute_scale_factor=None}: the
     * output size is {@code floor(in * factor)} and, without {@code align_corners}, the source
     * positions use {@code 1 / factor} (not {@code in / out}).
     *
     * @param x input of shape {@code (N, C, H, W)}
     * @param factor scale factor applied to both height and width, positive
     * @param mode interpolation kernel
     * @param alignCorners torch's {@code align_corners}; must be false for {@link Mode#NEAREST}
     * @return the resized array
     * @throws IllegalArgumentException if the factor is not positive and finite or the output
     *     would be empty
     */
    public static NDArray scale(NDArray x, double factor, Mode mode, boolean alignCorners) {
        return scale(x, factor, factor, mode, alignCorners);
    }

    /**
     * Resizes by separate height and width scale factors; see {@link #scale(NDArray, double,
     * Mode, boolean)}.
     *
     * @param x input of shape {@code (N, C, H, W)}
     * @param factorH height scale factor, positive
     * @param factorW width scale factor, positive
     * @param mode interpolation kernel
     * @param alignCorners torch's {@code align_corners}
     * @return the resized array
     * @throws IllegalArgumentException on bad arguments
     */
    public static NDArray scale(
            NDArray x, double factorH, double factorW, Mode mode, boolean alignCorners) {
        checkInput(x);
        checkFactor(factorH, "factorH");
        checkFactor(factorW, "factorW");
        Shape s = x.getShape();
        int outH = (int) Math.floor(s.get(2) * factorH);
        int outW = (int) Math.floor(s.get(3) * factorW);
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException(
                    "Scale factors (" + factorH + ", " + factorW + ") give an empty output for "
                            + "input " + s);
        }
        return resizeInternal(x, outH, outW, factorH, factorW, mode, alignCorners);
    }

    /**
     * The interpolation matrix torch applies along one axis: row {@code o} holds the weights of
     * the input samples that make output sample {@code o}.
     *
     * @param in input length, at least 1
     * @param out output length, at least 1
     * @param mode interpolation kernel
     * @param alignCorners torch's {@code align_corners}
     * @param factor the scale factor given to torch, or 0 when an output size was given
     * @return row-major {@code out x in} weights
     * @throws IllegalArgumentException on non-positive lengths or nearest with align corners
     */
    public static float[] weights(int in, int out, Mode mode, boolean alignCorners, double factor) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException(
                    "Expected positive lengths, found in=" + in + " out=" + out);
        }
        if (mode == Mode.NEAREST && alignCorners) {
            throw new IllegalArgumentException("align_corners is not defined for nearest");
        }
        float[] w = new float[out * in];
        switch (mode) {
            case NEAREST:
                nearestWeights(w, in, out, factor);
                break;
            case BILINEAR:
                bilinearWeights(w, in, out, alignCorners, factor);
                break;
            case BICUBIC:
                bicubicWeights(w, in, out, alignCorners, factor);
                break;
            default:
                throw new IllegalArgumentException("Unknown mode " + mode);
        }
        return w;
    }

    private static NDArray resizeInternal(
            NDArray x,
            int outH,
            int outW,
            double factorH,
            double factorW,
            Mode mode,
            boolean alignCorners) {
        checkInput(x);
        if (mode == null) {
            throw new IllegalArgumentException("Expected an interpolation mode, found null");
        }
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException(
                    "Expected a positive output size, found " + outH + "x" + outW);
        }
        if (mode == Mode.NEAREST && alignCorners) {
            throw new IllegalArgumentException("align_corners is not defined for nearest");
        }
        Shape s = x.getShape();
        int inH = Math.toIntExact(s.get(2));
        int inW = Math.toIntExact(s.get(3));
        if (mode == Mode.BICUBIC && inH == outH && inW == outW) {
            // torch copies the input when neither size changes.
            return x.duplicate();
        }
        // The engine's mode 1 is torch's bilinear with antialias=True, which equals plain
        // bilinear only when no axis shrinks; mode 3 (antialiased bicubic) is never used.
        boolean engineBilinear =
                mode == Mode.BILINEAR && !alignCorners && outH >= inH && outW >= inW;
        boolean engineKernel =
                (mode == Mode.NEAREST || engineBilinear)
                        && sameAsSize(inH, outH, factorH)
                        && sameAsSize(inW, outW, factorW);
        if (engineKernel) {
            int code = mode == Mode.NEAREST ? 0 : 1;
            return x.getNDArrayInternal().interpolation(new long[] {outH, outW}, code, false);
        }
        NDManager manager = x.getManager();
        DataType type = x.getDataType();
        NDArray wh = matrix(manager, x, weights(inH, outH, mode, alignCorners, factorH), outH, inH);
        NDArray wwT =
                matrix(manager, x, weights(inW, outW, mode, alignCorners, factorW), outW, inW)
                        .transpose();
        NDArray rows = x.matMul(wwT);
        NDArray y = wh.matMul(rows);
        rows.close();
        wh.close();
        wwT.close();
        return type == y.getDataType() ? y : y.toType(type, false);
    }

    private static NDArray matrix(NDManager manager, NDArray like, float[] w, int rows, int cols) {
        NDArray m = HostArrays.of(manager, w, new Shape(rows, cols));
        if (!m.getDevice().equals(like.getDevice())) {
            NDArray moved = m.toDevice(like.getDevice(), false);
            m.close();
            m = moved;
        }
        if (m.getDataType() != like.getDataType()) {
            NDArray cast = m.toType(like.getDataType(), false);
            m.close();
            m = cast;
        }
        return m;
    }

    /** True if torch would use {@code in / out} as the scale (no factor, or an exact one). */
    private static boolean sameAsSize(int in, int out, double factor) {
        return factor <= 0 || (float) (1.0 / factor) == (float) in / out || in == out;
    }

    private static void checkInput(NDArray x) {
        if (x == null) {
            throw new IllegalArgumentException("Expected an (N, C, H, W) array, found null");
        }
        if (x.getShape().dimension() != 4) {
            throw new IllegalArgumentException(
                    "Expected an (N, C, H, W) array, found shape " + x.getShape());
        }
        if (!x.getDataType().isFloating()) {
            throw new IllegalArgumentException(
                    "Expected a floating point array, found " + x.getDataType());
        }
    }

    private static void checkFactor(double f, String name) {
        if (!(f > 0) || Double.isInfinite(f)) {
            throw new IllegalArgumentException(
                    "Expected a positive finite " + name + ", found " + f);
        }
    }

    /** torch {@code compute_scales_value}: {@code 1 / factor} if given, else {@code in / out}. */
    private static float scalesValue(int in, int out, double factor) {
        return factor > 0 ? (float) (1.0 / factor) : (float) in / out;
    }

    /** torch {@code area_pixel_compute_scale}. */
    private static float areaScale(int in, int out, boolean alignCorners, double factor) {
        if (alignCorners) {
            return out > 1 ? (float) (in - 1) / (out - 1) : 0f;
        }
        return scalesValue(in, out, factor);
    }

    /** torch {@code area_pixel_compute_source_index}. */
    private static float sourceIndex(float scale, int dst, boolean alignCorners, boolean cubic) {
        if (alignCorners) {
            return scale * dst;
        }
        float src = scale * (dst + 0.5f) - 0.5f;
        return (!cubic && src < 0f) ? 0f : src;
    }

    private static void nearestWeights(float[] w, int in, int out, double factor) {
        float scale = scalesValue(in, out, factor);
        for (int o = 0; o < out; o++) {
            int src;
            if (out == in) {
                src = o;
            } else if (out == 2 * in) {
                src = o >> 1;
            } else {
                src = Math.min((int) Math.floor((float) o * scale), in - 1);
            }
            w[o * in + src] = 1f;
        }
    }

    private static void bilinearWeights(
            float[] w, int in, int out, boolean alignCorners, double factor) {
        float scale = areaScale(in, out, alignCorners, factor);
        for (int o = 0; o < out; o++) {
            if (in == out) {
                w[o * in + o] = 1f;
                continue;
            }
            float real = sourceIndex(scale, o, alignCorners, false);
            int i0 = (int) real;
            int i1 = i0 + (i0 < in - 1 ? 1 : 0);
            float l1 = Math.min(Math.max(real - i0, 0f), 1f);
            float l0 = 1f - l1;
            w[o * in + i0] += l0;
            w[o * in + i1] += l1;
        }
    }

    private static void bicubicWeights(
            float[] w, int in, int out, boolean alignCorners, double factor) {
        float scale = areaScale(in, out, alignCorners, factor);
        for (int o = 0; o < out; o++) {
            float real = sourceIndex(scale, o, alignCorners, true);
            int i = (int) Math.floor(real);
            float t = real - i;
            float[] c = {
                cubic2(t + 1f), cubic1(t), cubic1(1f - t), cubic2(2f - t),
            };
            for (int j = 0; j < 4; j++) {
                int idx = Math.max(Math.min(i - 1 + j, in - 1), 0);
                w[o * in + idx] += c[j];
            }
        }
    }

    /**
     * The weights of torch's {@code F.interpolate(mode='bicubic', antialias=True,
     * align_corners=False)} along one axis of length {@code in} resized to {@code out} (torch
     * 1.13 {@code UpSampleKernel.cpp}, {@code _compute_indices_weights_aa}; PIL's filter): output
     * sample {@code o} centred at {@code s (o + 0.5)}, {@code s = in / out}, takes the inputs
     * within {@code 2 max(s, 1)} of it, weighted by Keys' cubic with {@code A = -0.5} at
     * {@code (i - centre + 0.5) / max(s, 1)}, the weights normalised to sum 1. Unlike plain
     * bicubic this widens the kernel when shrinking, so every input sample counts. timm resamples
     * a ViT's position table this way ({@code resample_abs_pos_embed}). Computed in double,
     * returned as float.
     *
     * @return row-major {@code out x in} weights
     * @throws IllegalArgumentException on non-positive lengths
     */
    public static float[] antialiasedBicubicWeights(int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException(
                    "Expected positive lengths, found in=" + in + " out=" + out);
        }
        double scale = (double) in / out;
        double support = 2.0 * Math.max(scale, 1.0);
        double invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
        float[] w = new float[out * in];
        double[] taps = new double[in];
        for (int o = 0; o < out; o++) {
            double centre = scale * (o + 0.5);
            int min = Math.max((int) (centre - support + 0.5), 0);
            int max = Math.min((int) (centre + support + 0.5), in);
            double total = 0;
            for (int i = min; i < max; i++) {
                double x = Math.abs((i - centre + 0.5) * invscale);
                double a = -0.5;
                taps[i] = x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1
                        : x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0;
                total += taps[i];
            }
            for (int i = min; i < max; i++) {
                w[o * in + i] = (float) (total != 0 ? taps[i] / total : taps[i]);
            }
        }
        return w;
    }

    /**
     * Resizes a channel-last grid {@code (h, w, c)} to {@code (oh, ow, c)} with one weight
     * matrix per axis, along x first and then along y (the order of torch's separable kernels),
     * as host floats: for position tables and the like, which are resized once when weights
     * load.
     *
     * @param v  {@code h * w * c} values, row-major
     * @param wy {@code oh x h} weights, row-major (e.g. {@link #weights})
     * @param wx {@code ow x w} weights, row-major
     * @return {@code oh * ow * c} values
     * @throws IllegalArgumentException when the sizes do not match
     */
    public static float[] resizeChannelLast(float[] v, int h, int w, int c, float[] wy,
            float[] wx) {
        if (h < 1 || w < 1 || c < 1 || v.length != h * w * c || wy.length % h != 0
                || wx.length % w != 0) {
            throw new IllegalArgumentException("expected a " + h + "x" + w + "x" + c
                    + " grid and weights of " + h + " and " + w + " columns, found " + v.length
                    + " values and " + wy.length + " and " + wx.length + " weights");
        }
        int oh = wy.length / h;
        int ow = wx.length / w;
        float[] wide = new float[h * ow * c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < ow; x++) {
                int o = (y * ow + x) * c;
                for (int sx = 0; sx < w; sx++) {
                    float f = wx[x * w + sx];
                    if (f == 0) {
                        continue;
                    }
                    int i = (y * w + sx) * c;
                    for (int ch = 0; ch < c; ch++) {
                        wide[o + ch] += f * v[i + ch];
                    }
                }
            }
        }
        float[] out = new float[oh * ow * c];
        for (int y = 0; y < oh; y++) {
            for (int sy = 0; sy < h; sy++) {
                float f = wy[y * h + sy];
                if (f == 0) {
                    continue;
                }
                int o = y * ow * c;
                int i = sy * ow * c;
                for (int k = 0; k < ow * c; k++) {
                    out[o + k] += f * wide[i + k];
                }
            }
        }
        return out;
    }

    /** Cubic convolution kernel for |x| <= 1 (Keys 1981, A = -0.75 as in torch). */
    private static float cubic1(float x) {
        return ((CUBIC_A + 2f) * x - (CUBIC_A + 3f)) * x * x + 1f;
    }

    /** Cubic convolution kernel for 1 < |x| < 2. */
    private static float cubic2(float x) {
        return ((CUBIC_A * x - 5f * CUBIC_A) * x + 8f * CUBIC_A) * x - 4f * CUBIC_A;
    }
}
