package dev.freqmed.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.Random;

/**
 * A linear layer with a LoRA adapter, as PEFT's {@code lora.Linear}:
 * {@code y = base(x) + scaling · B(A(dropout(x)))} with {@code A: in → r} and
 * {@code B: r → out} without bias and {@code scaling = alpha / r} ({@link LoraConfig}).
 *
 * <p>Input {@code (..., in)}, output {@code (..., out)}, as the base layer.
 *
 * <p><b>Children and keys</b>: {@code base_layer} (the wrapped layer: {@code base_layer.weight}
 * {@code (out, in)}, {@code base_layer.bias}), {@code lora_A} ({@code lora_A.weight}
 * {@code (r, in)}) and {@code lora_B} ({@code lora_B.weight} {@code (out, r)}). These are the keys
 * of PEFT's saved adapter files, where the adapter name is stripped; a live PEFT model's state
 * dict spells them {@code lora_A.<adapter>.weight}, so strip {@code .<adapter>} when importing
 * one.
 *
 * <p><b>Training state.</b> The base layer's parameters are frozen ({@code requiresGradient()}
 * false, so autograd neither records nor accumulates gradients for them) unless
 * {@link Builder#optTrainableBase(boolean)} is set; {@code lora_A} and {@code lora_B} are
 * trainable. At initialisation {@code lora_A} is drawn from the given {@code Random} as
 * {@link LoraConfig.Initialization} says and {@code lora_B} is zero, so a fresh block returns
 * exactly the base output. A base layer that is already initialised (e.g. holding imported
 * weights) keeps its values.
 *
 * <p><b>Merging.</b> {@link #merge()} folds the adapter into the base weight. DEVIATION from
 * PEFT's {@code merge()}, which keeps B and remembers a {@code merged} flag: here B is set to zero
 * instead, so its parameters alone say what it computes, and saving and reloading them gives the
 * same outputs. {@link #unmerge()} takes the adapter out of the base weight again and gives B
 * back its values. Reference: peft {@code tuners/lora/layer.py}
 * {@code Linear}, {@code LoraLayer.update_layer}, {@code reset_lora_parameters},
 * {@code get_delta_weight}.
 */
public final class LoraLinearBlock extends LoraAdapterBlock<Linear> {

    private final long outFeatures;

    private LoraLinearBlock(Builder b) {
        super(b.config, b.base, Linear.builder().setUnits(b.config.rank()).optBias(false).build(),
                Linear.builder().setUnits(outFeatures(b.base)).optBias(false).build(), b.random,
                b.trainableBase);
        this.outFeatures = outFeatures(b.base);
    }

    private static long outFeatures(Linear base) {
        return base.getOutputShapes(new Shape[] {new Shape(1)})[0].get(0);
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
        return "LoraLinear(out=" + outFeatures + ", " + getConfig() + ")";
    }

    /** Builder for {@link LoraLinearBlock}. */
    public static final class Builder {
        private Linear base;
        private LoraConfig config;
        private Random random;
        private boolean trainableBase;

        private Builder() {}

        /**
         * Sets the layer to wrap (required), initialised or not.
         *
         * @param base the base layer
         * @return this builder
         */
        public Builder setBase(Linear base) {
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
         * @throws IllegalArgumentException naming the missing field
         */
        public LoraLinearBlock build() {
            if (base == null || config == null || random == null) {
                throw new IllegalArgumentException("LoraLinearBlock needs base, config and"
                        + " random, found " + base + ", " + config + ", " + random);
            }
            return new LoraLinearBlock(this);
        }
    }
}
