package dev.freqmed.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.Random;

/**
 * A 2-D convolution with a LoRA adapter, as PEFT's {@code lora.Conv2d}:
 * {@code y = base(x) + scaling · B(A(dropout(x)))}, where {@code A} is a convolution
 * {@code in → r} with the base's kernel, stride and padding, {@code B} a 1×1 convolution
 * {@code r → out}, neither with bias, and {@code scaling = alpha / r} ({@link LoraConfig}).
 *
 * <p>Input {@code (N, in, H, W)}, output {@code (N, out, H', W')}, as the base convolution (a DJL
 * {@link Conv2d}, e.g. {@link RoutedConv2d}). Bases with dilation or groups other than 1 are
 * refused: PEFT's {@code lora_A} copies neither, so its adapter would not line up with (or merge
 * into) such a base.
 *
 * <p><b>Children and keys</b>: {@code base_layer} ({@code base_layer.weight}
 * {@code (out, in, kh, kw)}, {@code base_layer.bias}), {@code lora_A} ({@code lora_A.weight}
 * {@code (r, in, kh, kw)}), {@code lora_B} ({@code lora_B.weight} {@code (out, r, 1, 1)}): the
 * keys of PEFT's saved adapter files (adapter name stripped; a live PEFT model spells them
 * {@code lora_A.<adapter>.weight}).
 *
 * <p>Training state, initialisation and merging are as in {@link LoraLinearBlock}: the base is
 * frozen unless asked otherwise, {@code lora_A} is drawn from the given {@code Random}
 * ({@code fanIn = in·kh·kw}), {@code lora_B} starts at zero, and {@link #merge()} folds
 * {@code scaling · B·A} into the base kernel and zeroes B (DEVIATION from PEFT's merged flag, see
 * there); {@link #unmerge()} undoes it. Reference: peft {@code tuners/lora/layer.py} {@code _ConvNd}, {@code Conv2d},
 * {@code get_delta_weight}.
 */
public final class LoraConv2dBlock extends LoraAdapterBlock<Conv2d> {

    private LoraConv2dBlock(Builder b) {
        super(b.config, b.base, RoutedConv2d.routedBuilder()
                        .setFilters(b.config.rank())
                        .setKernelShape(b.base.getKernelShape())
                        .optStride(b.base.getStride())
                        .optPadding(b.base.getPadding())
                        .optBias(false)
                        .build(),
                RoutedConv2d.routedBuilder()
                        .setFilters(b.base.getFilters())
                        .setKernelShape(new Shape(1, 1))
                        .optBias(false)
                        .build(),
                b.random, b.trainableBase);
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
    public String toString() {
        return "LoraConv2d(out=" + getBase().getFilters() + ", kernel=" + getBase().getKernelShape() + ", "
                + getConfig() + ")";
    }

    /** Builder for {@link LoraConv2dBlock}. */
    public static final class Builder {
        private Conv2d base;
        private LoraConfig config;
        private Random random;
        private boolean trainableBase;

        private Builder() {}

        /**
         * Sets the convolution to wrap (required), initialised or not; dilation and groups 1.
         *
         * @param base the base layer
         * @return this builder
         */
        public Builder setBase(Conv2d base) {
            this.base = base;
            return this;
        }

        /**
         * Sets rank, alpha, dropout and initialisation (required).
         *
         * @param config the adapter settings
         * @return this builder
         */
        public Builder setConfig(LoraConfig config) {
            this.config = config;
            return this;
        }

        /**
         * Sets the seeded source {@code lora_A} is drawn from at initialisation (required).
         *
         * @param random seeded randomness
         * @return this builder
         */
        public Builder setRandom(Random random) {
            this.random = random;
            return this;
        }

        /**
         * Whether the base layer is trained too (default false: frozen).
         *
         * @param trainableBase true to leave the base parameters trainable
         * @return this builder
         */
        public Builder optTrainableBase(boolean trainableBase) {
            this.trainableBase = trainableBase;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the block
         * @throws IllegalArgumentException naming the missing field or the unsupported base
         */
        public LoraConv2dBlock build() {
            if (base == null || config == null || random == null) {
                throw new IllegalArgumentException("LoraConv2dBlock needs base, config and"
                        + " random, found " + base + ", " + config + ", " + random);
            }
            Shape d = base.getDilation();
            if (base.getGroups() != 1 || d.get(0) != 1 || d.get(1) != 1) {
                throw new IllegalArgumentException("LoRA needs a base convolution with groups 1"
                        + " and dilation 1, found groups " + base.getGroups() + ", dilation " + d);
            }
            return new LoraConv2dBlock(this);
        }
    }
}
