package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Squeeze-and-excitation channel gating (Hu et al., 2018) as torchvision's
 * {@code ops.misc.SqueezeExcitation}: {@code s = sigmoid(fc2(relu(fc1(avgpool(x)))))},
 * {@code y = x · s}, where {@code avgpool} is the global mean over {@code H, W} and
 * {@code fc1}, {@code fc2} are 1×1 convolutions with bias ({@code C → squeeze → C}).
 *
 * <p>Input {@code (N, C, H, W)}, output the same shape. Children {@code fc1}, {@code fc2} with
 * keys {@code fc1.weight} {@code (squeeze, C, 1, 1)}, {@code fc1.bias} {@code (squeeze)},
 * {@code fc2.weight} {@code (C, squeeze, 1, 1)}, {@code fc2.bias} {@code (C)}, so torchvision
 * weights load by key. Other layouts of the same maths (the original SENet's {@code fc.0},
 * {@code fc.2} linear layers, timm's {@code conv_reduce}, {@code conv_expand}) need their keys
 * mapped (and linear weights reshaped to {@code (out, in, 1, 1)}) at import.
 */
public final class SqueezeExcitationBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int channels;
    private final int squeeze;
    private final Conv2d fc1;
    private final Conv2d fc2;

    private SqueezeExcitationBlock(Builder b) {
        super(VERSION);
        this.channels = b.channels;
        this.squeeze = b.squeeze;
        fc1 = addChildBlock("fc1", pointwise(squeeze));
        fc2 = addChildBlock("fc2", pointwise(channels));
    }

    private static Conv2d pointwise(int out) {
        return RoutedConv2d.routedBuilder()
                .setFilters(out)
                .setKernelShape(new Shape(1, 1))
                .optBias(true)
                .build();
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != channels) {
            throw new IllegalArgumentException("squeeze-excitation expects (N, " + channels
                    + ", H, W), found " + s);
        }
        // The engine's mean reduces one axis at a time: flatten H, W first.
        NDArray g = x.reshape(s.get(0), channels, -1).mean(new int[] {2}, true)
                .reshape(s.get(0), channels, 1, 1);
        g = fc1.forward(ps, new NDList(g), training, params).singletonOrThrow();
        g = Activation.relu(g);
        g = fc2.forward(ps, new NDList(g), training, params).singletonOrThrow();
        return new NDList(x.mul(Activation.sigmoid(g)));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        fc1.initialize(manager, dataType, new Shape(1, channels, 1, 1));
        fc2.initialize(manager, dataType, new Shape(1, squeeze, 1, 1));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "SqueezeExcitation(" + channels + " -> " + squeeze + " -> " + channels + ")";
    }

    /** Builder for {@link SqueezeExcitationBlock}. */
    public static final class Builder {
        private int channels;
        private int squeeze;

        private Builder() {}

        /**
         * Sets the input channels {@code C} (required).
         *
         * @param channels positive channel count
         * @return this builder
         */
        public Builder setChannels(int channels) {
            this.channels = channels;
            return this;
        }

        /**
         * Sets the squeezed width (required), e.g. {@code C / 16} or torchvision's
         * {@code _make_divisible(C / 4, 8)}.
         *
         * @param squeeze positive width
         * @return this builder
         */
        public Builder setSqueezeChannels(int squeeze) {
            this.squeeze = squeeze;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the block
         * @throws IllegalArgumentException naming the offending field
         */
        public SqueezeExcitationBlock build() {
            if (channels < 1) {
                throw new IllegalArgumentException("channels must be positive, found " + channels);
            }
            if (squeeze < 1) {
                throw new IllegalArgumentException(
                        "squeeze channels must be positive, found " + squeeze);
            }
            return new SqueezeExcitationBlock(this);
        }
    }
}
