package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Channels-first layer normalisation over the channel axis of {@code (N, C, H, W)} arrays, as
 * the {@code LayerNorm2d} of Segment Anything's image encoder neck: at each pixel,
 * {@code y = (x - mean_c) / sqrt(var_c + eps)} with mean and biased variance over the channels,
 * then {@code weight[c] * y + bias[c]}. Parameters {@code weight} (initialised to 1) and
 * {@code bias} (initialised to 0) have shape {@code (C)} and carry the torch state-dict names.
 */
public final class LayerNorm2dBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int channels;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    private LayerNorm2dBlock(Builder builder) {
        super(VERSION);
        this.channels = builder.channels;
        this.eps = builder.eps;
        weight = addParameter(
                Parameter.builder()
                        .setName("weight")
                        .setType(Parameter.Type.GAMMA)
                        .optShape(new Shape(channels))
                        .build());
        bias = addParameter(
                Parameter.builder()
                        .setName("bias")
                        .setType(Parameter.Type.BETA)
                        .optShape(new Shape(channels))
                        .build());
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
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape shape = x.getShape();
        if (shape.dimension() < 2 || shape.get(1) != channels) {
            throw new IllegalArgumentException(
                    "LayerNorm2d expects input (N, " + channels + ", H, W), found " + shape);
        }
        NDArray mean = x.mean(new int[] {1}, true);
        NDArray centred = x.sub(mean);
        NDArray var = centred.square().mean(new int[] {1}, true);
        NDArray y = centred.div(var.add(eps).sqrt());
        long[] perChannel = new long[shape.dimension()];
        java.util.Arrays.fill(perChannel, 1);
        perChannel[1] = channels;
        NDArray w = ParameterViews.value(parameterStore, weight, x, training);
        NDArray b = ParameterViews.value(parameterStore, bias, x, training);
        return new NDList(y.mul(w.reshape(perChannel)).add(b.reshape(perChannel)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "LayerNorm2d(" + channels + ", eps=" + eps + ")";
    }

    /** Builder for {@link LayerNorm2dBlock}. */
    public static final class Builder {
        private int channels;
        private float eps = 1e-6f;

        private Builder() {}

        /**
         * Sets the number of channels (required).
         *
         * @param channels positive channel count
         * @return this builder
         */
        public Builder setChannels(int channels) {
            this.channels = channels;
            return this;
        }

        /**
         * Sets epsilon added to the variance (default {@code 1e-6}, as in Segment Anything).
         *
         * @param eps positive epsilon
         * @return this builder
         */
        public Builder optEps(float eps) {
            this.eps = eps;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the block
         * @throws IllegalArgumentException naming the offending field
         */
        public LayerNorm2dBlock build() {
            if (channels < 1) {
                throw new IllegalArgumentException("channels must be positive, found " + channels);
            }
            if (!(eps > 0)) {
                throw new IllegalArgumentException("eps must be positive, found " + eps);
            }
            return new LayerNorm2dBlock(this);
        }
    }
}
