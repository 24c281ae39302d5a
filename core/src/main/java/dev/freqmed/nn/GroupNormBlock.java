package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.engine.NativeGroupNorm;

/**
 * Group normalisation, equal to PyTorch's {@code nn.GroupNorm(groups, channels, eps, affine)}.
 *
 * <p>Input {@code (N, C, *)} with {@code C = channels}: the channels are split into
 * {@code groups} consecutive groups, and each (sample, group) is normalised by its mean and
 * biased variance over the group's channels and all positions: {@code y = (x - mean) /
 * sqrt(var + eps)}. With {@code affine}, a per-channel scale {@code weight} (initialised to 1)
 * and shift {@code bias} (initialised to 0) follow; the parameters are named {@code weight} and
 * {@code bias} as in torch's state dict. The statistics are the same in training and inference.
 * With {@code siluAfter}, SiLU ({@code y·sigmoid(y)}) follows, as in the diffusion backbones'
 * norm-then-SiLU pairs; it has no parameters, so the state dict is the same.
 *
 * <p>The computation takes the engine's native kernel where the self-test passed it
 * ({@link NativeGroupNorm}), else the explicit composition.
 */
public final class GroupNormBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int groups;
    private final int channels;
    private final float eps;
    private final boolean affine;
    private final boolean siluAfter;
    private final Parameter weight;
    private final Parameter bias;

    private GroupNormBlock(Builder builder) {
        super(VERSION);
        this.groups = builder.groups;
        this.channels = builder.channels;
        this.eps = builder.eps;
        this.affine = builder.affine;
        this.siluAfter = builder.siluAfter;
        if (affine) {
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
        } else {
            weight = null;
            bias = null;
        }
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Number of groups.
     *
     * @return groups
     */
    public int getGroups() {
        return groups;
    }

    /**
     * Number of channels.
     *
     * @return channels
     */
    public int getChannels() {
        return channels;
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
                    "GroupNorm expects input (N, " + channels + ", ...), found " + shape);
        }
        NDArray w;
        NDArray b;
        if (affine) {
            w = ParameterViews.value(parameterStore, weight, x, training);
            b = ParameterViews.value(parameterStore, bias, x, training);
        } else {
            w = x.getManager().ones(new Shape(channels), x.getDataType());
            b = x.getManager().zeros(new Shape(channels), x.getDataType());
        }
        NDArray y = NativeGroupNorm.apply(x, groups, w, b, eps, siluAfter);
        return new NDList(y);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "GroupNorm(" + groups + ", " + channels + ", eps=" + eps + ", affine=" + affine
                + ")" + (siluAfter ? " + SiLU" : "");
    }

    /** Builder for {@link GroupNormBlock}. */
    public static final class Builder {
        private int groups;
        private int channels;
        private float eps = 1e-5f;
        private boolean affine = true;
        private boolean siluAfter;

        private Builder() {}

        /**
         * Sets the number of groups (required).
         *
         * @param groups positive divisor of the channel count
         * @return this builder
         */
        public Builder setGroups(int groups) {
            this.groups = groups;
            return this;
        }

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
         * Sets epsilon added to the variance (default {@code 1e-5}, torch's default).
         *
         * @param eps positive epsilon
         * @return this builder
         */
        public Builder optEps(float eps) {
            this.eps = eps;
            return this;
        }

        /**
         * Whether to learn a per-channel scale and shift (default true).
         *
         * @param affine affine flag
         * @return this builder
         */
        public Builder optAffine(boolean affine) {
            this.affine = affine;
            return this;
        }

        /**
         * Whether SiLU follows the normalisation (default false).
         *
         * @param silu the flag
         * @return this builder
         */
        public Builder optSiluAfter(boolean silu) {
            this.siluAfter = silu;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the block
         * @throws IllegalArgumentException naming the offending field
         */
        public GroupNormBlock build() {
            if (channels < 1) {
                throw new IllegalArgumentException("channels must be positive, found " + channels);
            }
            if (groups < 1 || channels % groups != 0) {
                throw new IllegalArgumentException(
                        "groups must be a positive divisor of channels=" + channels + ", found "
                                + groups);
            }
            if (!(eps > 0)) {
                throw new IllegalArgumentException("eps must be positive, found " + eps);
            }
            return new GroupNormBlock(this);
        }
    }
}
