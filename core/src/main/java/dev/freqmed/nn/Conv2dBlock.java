package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.freqmed.engine.Convolutions;

/**
 * A 2-D convolution whose padding follows the Keras reference rather than PyTorch: TF "same"
 * (possibly asymmetric, computed from the input size), the explicit symmetric padding the DeepLab
 * code puts before strided convolutions, or none. Parameters are {@code weight}
 * {@code (out, in/groups, k, k)} and, when enabled, {@code bias} {@code (out)}; a depthwise
 * convolution has {@code groups = in = out}.
 *
 * <p>Input {@code (N, in, H, W)}, output {@code (N, out, H', W')}. The convolution itself goes
 * through {@link Convolutions}, on the path the engine self-test chose for this machine.
 */
public final class Conv2dBlock extends AbstractBlock {

    /** How the input is padded before the convolution. */
    public enum Padding {
        /** TF/Keras {@code "same"}: output {@code ceil(n / s)}, extra pixel after. */
        TF_SAME,
        /**
         * Explicit zero padding of {@code (k_eff - 1) / 2} before and the rest after, then a valid
         * convolution (Keras DeepLab's {@code ZeroPadding2D} before strided convs).
         */
        EXPLICIT_SYMMETRIC,
        /** No padding. */
        VALID
    }

    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int dilation;
    private final int groups;
    private final Padding padding;
    private final Parameter weight;
    private final Parameter bias;

    private Conv2dBlock(Builder b) {
        this.inChannels = b.inChannels;
        this.outChannels = b.outChannels;
        this.kernel = b.kernel;
        this.stride = b.stride;
        this.dilation = b.dilation;
        this.groups = b.groups;
        this.padding = b.padding;
        this.weight = addParameter(Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(outChannels, inChannels / groups, kernel, kernel))
                .optInitializer(b.initializer)
                .build());
        this.bias = b.bias
                ? addParameter(Parameter.builder()
                        .setName("bias")
                        .setType(Parameter.Type.BIAS)
                        .optShape(new Shape(outChannels))
                        .optInitializer(Initializer.ZEROS)
                        .build())
                : null;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Number of input channels. */
    public int inChannels() {
        return inChannels;
    }

    /** Number of output channels. */
    public int outChannels() {
        return outChannels;
    }

    /** The weight parameter, {@code (out, in/groups, k, k)}. */
    public Parameter weight() {
        return weight;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != inChannels) {
            throw new IllegalArgumentException("convolution expects (N, " + inChannels
                    + ", H, W), found " + x.getShape());
        }
        int[] ph = pads(x.getShape().get(2));
        int[] pw = pads(x.getShape().get(3));
        Shape convPad;
        if (ph[0] == ph[1] && pw[0] == pw[1]) {
            convPad = new Shape(ph[0], pw[0]);
        } else {
            // NDArray.pad takes (W before, W after, H before, H after), last axis first.
            x = x.pad(new Shape(pw[0], pw[1], ph[0], ph[1]), 0);
            convPad = new Shape(0, 0);
        }
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        return new NDList(Convolutions.conv2d(x, w, b, new Shape(stride, stride), convPad,
                new Shape(dilation, dilation), groups));
    }

    private int[] pads(long size) {
        switch (padding) {
            case TF_SAME:
                dev.freqmed.tensor.Padding.Amount a = dev.freqmed.tensor.Padding.same(
                        Math.toIntExact(size), kernel, stride, dilation);
                return new int[] {a.before(), a.after()};
            case EXPLICIT_SYMMETRIC:
                int total = effectiveKernel() - 1;
                return new int[] {total / 2, total - total / 2};
            default:
                return new int[] {0, 0};
        }
    }

    private int effectiveKernel() {
        return kernel + (kernel - 1) * (dilation - 1);
    }

    private long outSize(long size) {
        int[] p = pads(size);
        long span = size + p[0] + p[1] - effectiveKernel();
        if (span < 0) {
            throw new IllegalArgumentException("input size " + size + " is smaller than the "
                    + kernel + "x" + kernel + " kernel (dilation " + dilation + ")");
        }
        return span / stride + 1;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), outChannels, outSize(s.get(2)), outSize(s.get(3)))};
    }

    /** Builder of {@link Conv2dBlock}; {@code setX} values are required. */
    public static final class Builder {
        private int inChannels = -1;
        private int outChannels = -1;
        private int kernel = -1;
        private int stride = 1;
        private int dilation = 1;
        private int groups = 1;
        private boolean bias = true;
        private Padding padding = Padding.TF_SAME;
        private Initializer initializer;

        private Builder() {
        }

        /** Input channels (required). */
        public Builder setInChannels(int c) {
            this.inChannels = c;
            return this;
        }

        /** Output channels (required). */
        public Builder setOutChannels(int c) {
            this.outChannels = c;
            return this;
        }

        /** Square kernel size (required). */
        public Builder setKernel(int k) {
            this.kernel = k;
            return this;
        }

        /** Stride, default 1. */
        public Builder optStride(int s) {
            this.stride = s;
            return this;
        }

        /** Dilation rate, default 1. */
        public Builder optDilation(int d) {
            this.dilation = d;
            return this;
        }

        /** Groups, default 1; use {@link #depthwise(int)} for a depthwise convolution. */
        public Builder optGroups(int g) {
            this.groups = g;
            return this;
        }

        /** Depthwise (depth multiplier 1): in = out = groups = {@code channels}. */
        public Builder depthwise(int channels) {
            this.inChannels = channels;
            this.outChannels = channels;
            this.groups = channels;
            return this;
        }

        /** Whether a bias is added, default true. */
        public Builder optBias(boolean b) {
            this.bias = b;
            return this;
        }

        /** Padding rule, default {@link Padding#TF_SAME}. */
        public Builder optPadding(Padding p) {
            this.padding = p;
            return this;
        }

        /**
         * Weight initialiser (required), e.g. {@code Init.kerasGlorotUniform(rng)}; biases start
         * at zero.
         */
        public Builder setInitializer(Initializer init) {
            this.initializer = init;
            return this;
        }

        /** Validates and builds. */
        public Conv2dBlock build() {
            require(inChannels > 0, "inChannels", inChannels);
            require(outChannels > 0, "outChannels", outChannels);
            require(kernel > 0, "kernel", kernel);
            require(stride > 0, "stride", stride);
            require(dilation > 0, "dilation", dilation);
            require(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                    "groups", groups);
            if (padding == null || initializer == null) {
                throw new IllegalArgumentException("Conv2dBlock: padding and initializer are"
                        + " required, found " + padding + " and " + initializer);
            }
            return new Conv2dBlock(this);
        }

        private static void require(boolean ok, String field, int value) {
            if (!ok) {
                throw new IllegalArgumentException("Conv2dBlock: invalid " + field + " " + value);
            }
        }
    }
}
