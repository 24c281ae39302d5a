package dev.freqmed.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place where FreqMed computes a 2-D convolution. Each call is routed by its
 * {@link ConvClass} to the {@link ConvPath} that the engine self-test found correct on this
 * machine ({@link ConvRouter}); GPU arrays always take the engine's own path.
 *
 * <p>Semantics are PyTorch's {@code torch.nn.functional.conv2d}: input {@code (N, C, H, W)},
 * weight {@code (O, C / groups, kh, kw)}, optional bias {@code (O)}, symmetric zero padding
 * {@code (ph, pw)}; output {@code (N, O, H', W')} with {@code H' = (H + 2 ph - dh (kh - 1) - 1) /
 * sh + 1}. Every path is differentiable in the input, the weight and the bias.
 */
public final class Convolutions {

    /** Channel multiple the padded path rounds to. */
    static final int PAD_MULTIPLE = 32;
    /** Input channel counts up to this are left unpadded (oneDNN handles them). */
    static final int SMALL_INPUT_CHANNELS = 16;

    private Convolutions() {
    }

    /**
     * A routed convolution.
     *
     * @param x        input {@code (N, C, H, W)}
     * @param weight   weight {@code (O, C / groups, kh, kw)}
     * @param bias     bias {@code (O)}, or null
     * @param stride   {@code (sh, sw)}
     * @param padding  {@code (ph, pw)}, zeros on both sides
     * @param dilation {@code (dh, dw)}
     * @param groups   groups
     * @return the output, owned by the input's manager
     * @throws IllegalStateException when the engine has no correct path on this machine
     */
    public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, Shape stride,
            Shape padding, Shape dilation, int groups) {
        ConvPath path = x.getDevice().isGpu() ? ConvPath.ENGINE
                : ConvRouter.pathFor(ConvClass.of(weight.getShape().get(2),
                        weight.getShape().get(3), stride.get(0), stride.get(1), groups));
        return conv2d(path, x, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * A convolution on a given path (the self-test and benchmarks use this directly).
     *
     * @param path     the path
     * @param x        input {@code (N, C, H, W)}
     * @param weight   weight {@code (O, C / groups, kh, kw)}
     * @param bias     bias {@code (O)}, or null
     * @param stride   {@code (sh, sw)}
     * @param padding  {@code (ph, pw)}
     * @param dilation {@code (dh, dw)}
     * @param groups   groups
     * @return the output, owned by the input's manager
     */
    public static NDArray conv2d(ConvPath path, NDArray x, NDArray weight, NDArray bias,
            Shape stride, Shape padding, Shape dilation, int groups) {
        if (path == ConvPath.ENGINE) {
            return Conv2d.conv2d(x, weight, bias, stride, padding, dilation, groups)
                    .singletonOrThrow();
        }
        if (x.getDevice().isGpu() || JniUtils.isGradMode()) {
            // While autograd records, temporaries stay with the input's manager: freeing their
            // handles early was seen to corrupt the backward pass (as for ScopedForward).
            return path == ConvPath.PADDED
                    ? padded(x, weight, bias, stride, padding, dilation, groups)
                    : im2col(x, weight, bias, stride, padding, dilation, groups);
        }
        // At inference the temporaries (zero blocks, slices, patches) live in a scope of their
        // own and only the output goes back to the input's manager.
        NDManager parent = x.getManager();
        try (NDManager scope = parent.newSubManager()) {
            x.tempAttach(scope);
            NDArray y = path == ConvPath.PADDED
                    ? padded(x, weight, bias, stride, padding, dilation, groups)
                    : im2col(x, weight, bias, stride, padding, dilation, groups);
            y.attach(parent);
            return y;
        }
    }

    // ---------------------------------------------------------------- padded oneDNN

    private static NDArray padded(NDArray x0, NDArray w0, NDArray bias, Shape stride,
            Shape padding, Shape dilation, int groups) {
        NDManager m = x0.getManager();
        NDArray x = contiguous(x0);
        NDArray w = w0;
        Shape s = stride;
        Shape p = padding;
        long n = x.getShape().get(0);
        long ci = x.getShape().get(1);
        long co = w.getShape().get(0);
        long kh = w.getShape().get(2);
        long kw = w.getShape().get(3);
        int g = groups;
        if (groups > 1) {
            if (groups == ci && groups == co) {
                long cp = roundUp(ci, PAD_MULTIPLE);
                if (cp > ci) {
                    x = x.concat(m.zeros(new Shape(n, cp - ci, x.getShape().get(2),
                            x.getShape().get(3))), 1);
                    w = own(w.concat(m.zeros(new Shape(cp - co, 1, kh, kw)), 0), m);
                    g = (int) cp;
                }
            }
        } else {
            if (kh == 1 && kw == 1 && (s.get(0) > 1 || s.get(1) > 1)) {
                // A strided 1x1 convolution reads every s-th pixel of the padded input: run it as
                // a stride-1 1x1 convolution on that subsampled input (same result).
                if (p.get(0) > 0 || p.get(1) > 0) {
                    x = x.pad(new Shape(p.get(1), p.get(1), p.get(0), p.get(0)), 0);
                }
                x = contiguous(x.get(new NDIndex(":, :, ::{}, ::{}", s.get(0), s.get(1))));
                s = new Shape(1, 1);
                p = new Shape(0, 0);
            }
            if (ci > SMALL_INPUT_CHANNELS && ci % PAD_MULTIPLE != 0) {
                long cp = roundUp(ci, PAD_MULTIPLE);
                x = x.concat(m.zeros(new Shape(n, cp - ci, x.getShape().get(2),
                        x.getShape().get(3))), 1);
                w = own(w.concat(m.zeros(new Shape(co, cp - ci, kh, kw)), 1), m);
            }
            if (co % PAD_MULTIPLE != 0) {
                long cp = roundUp(co, PAD_MULTIPLE);
                w = own(w.concat(m.zeros(new Shape(cp - co, w.getShape().get(1), kh, kw)), 0),
                        m);
            }
        }
        NDArray y = Conv2d.conv2d(x, w, null, s, p, dilation, g).singletonOrThrow();
        if (y.getShape().get(1) != co) {
            y = y.get(new NDIndex(":, 0:{}", co));
        }
        return addBias(y, bias);
    }

    // ---------------------------------------------------------------- im2col + matmul

    private static NDArray im2col(NDArray x, NDArray w, NDArray bias, Shape stride,
            Shape padding, Shape dilation, int groups) {
        NDManager m = x.getManager();
        long n = x.getShape().get(0);
        long c = x.getShape().get(1);
        long h = x.getShape().get(2);
        long wd = x.getShape().get(3);
        long o = w.getShape().get(0);
        int kh = (int) w.getShape().get(2);
        int kw = (int) w.getShape().get(3);
        long sh = stride.get(0);
        long sw = stride.get(1);
        long ph = padding.get(0);
        long pw = padding.get(1);
        long dh = dilation.get(0);
        long dw = dilation.get(1);
        long ho = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        long wo = (wd + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        if (ho <= 0 || wo <= 0) {
            throw new IllegalArgumentException("convolution input " + x.getShape()
                    + " is smaller than the kernel " + w.getShape());
        }
        NDArray xp = ph > 0 || pw > 0 ? x.pad(new Shape(pw, pw, ph, ph), 0) : x;
        List<NDArray> taps = new ArrayList<>(kh * kw);
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                taps.add(xp.get(new NDIndex(":, :, {}:{}:{}, {}:{}:{}",
                        i * dh, i * dh + (ho - 1) * sh + 1, sh,
                        j * dw, j * dw + (wo - 1) * sw + 1, sw)));
            }
        }
        // (N, C, K, H', W') -> (N, g, C/g * K, H' W'); weight (O, C/g, kh, kw) -> (g, O/g, C/g*K)
        NDArray cols = NDArrays.stack(new NDList(taps), 2)
                .reshape(n, groups, c / groups * kh * kw, ho * wo);
        NDArray wm = own(w.reshape(groups, o / groups, c / groups * kh * kw), m);
        NDArray y = wm.matMul(cols).reshape(n, o, ho, wo);
        return addBias(y, bias);
    }

    // ---------------------------------------------------------------- helpers

    private static NDArray addBias(NDArray y, NDArray bias) {
        if (bias == null) {
            return y;
        }
        return y.add(own(bias.reshape(1, bias.getShape().get(0), 1, 1), y.getManager()));
    }

    /**
     * The array in standard contiguous layout (a copy only when it is not): a channels-last or
     * strided view is laid out anew, differentiably.
     */
    static NDArray contiguous(NDArray x) {
        return x.reshape(-1).reshape(x.getShape());
    }

    /** Moves an array made from a parameter into the batch's manager, so it is freed with it. */
    private static NDArray own(NDArray a, NDManager m) {
        a.attach(m);
        return a;
    }

    private static long roundUp(long v, long multiple) {
        return (v + multiple - 1) / multiple * multiple;
    }
}
