package dev.freqmed.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.LayerNorm;
import dev.freqmed.nn.RoutedConv2d;

/**
 * Factories for the DJL layers the backbones and models are built from, with PyTorch's defaults
 * (BatchNorm ε 1e-5 and momentum 0.1, which is DJL's 0.9).
 */
public final class Layers {

    private Layers() {
    }

    /**
     * A 2-D convolution, square kernel.
     *
     * @param out     output channels
     * @param kernel  kernel side
     * @param stride  stride
     * @param padding zero padding on each side
     * @param bias    whether a bias is learnt
     * @return the block
     */
    public static Conv2d conv(int out, int kernel, int stride, int padding, boolean bias) {
        return conv(out, kernel, kernel, stride, padding, padding, bias, 1);
    }

    /**
     * A 2-D convolution with rectangular kernel and padding.
     *
     * @param out    output channels
     * @param kh     kernel height
     * @param kw     kernel width
     * @param stride stride (both axes)
     * @param ph     padding on top and bottom
     * @param pw     padding left and right
     * @param bias   whether a bias is learnt
     * @param groups convolution groups
     * @return the block
     */
    /**
     * A square convolution with dilation (PyTorch semantics; padding {@code dilation} keeps the
     * size of a stride-1 3×3).
     */
    public static Conv2d dilatedConv(int out, int kernel, int stride, int padding, int dilation,
            boolean bias) {
        return RoutedConv2d.routedBuilder()
                .setFilters(out)
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optDilation(new Shape(dilation, dilation))
                .optBias(bias)
                .build();
    }

    public static Conv2d conv(int out, int kh, int kw, int stride, int ph, int pw, boolean bias,
            int groups) {
        return RoutedConv2d.routedBuilder()
                .setFilters(out)
                .setKernelShape(new Shape(kh, kw))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(ph, pw))
                .optBias(bias)
                .optGroups(groups)
                .build();
    }

    /** BatchNorm over axis 1 with PyTorch's defaults (ε 1e-5, momentum 0.1). */
    public static BatchNorm batchNorm() {
        return BatchNorm.builder().optAxis(1).optEpsilon(1e-5f).optMomentum(0.9f).build();
    }

    /** LayerNorm over the last axis; initialise it with an input whose last axis is the width. */
    public static LayerNorm layerNorm(float epsilon, int rank) {
        return LayerNorm.builder().axis(rank - 1).optEpsilon(epsilon).build();
    }

    /** A fully connected layer on the last axis. */
    public static Linear linear(int units, boolean bias) {
        return Linear.builder().setUnits(units).optBias(bias).build();
    }

    /** A shape (1, c, 8, 8), enough to size the parameters of a block fed with c channels. */
    public static Shape nchw(long c) {
        return new Shape(1, c, 8, 8);
    }
}
