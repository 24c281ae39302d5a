package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
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
 * instead, so the block holds no hidden state, its forward is unchanged, and saving and reloading
 * its parameters gives the same outputs. Reference: peft {@code tuners/lora/layer.py}
 * {@code Linear}, {@code LoraLayer.update_layer}, {@code reset_lora_parameters},
 * {@code get_delta_weight}.
 */
public final class LoraLinearBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final LoraConfig config;
    private final long outFeatures;
    private final Linear base;
    private final Linear loraA;
    private final Linear loraB;

    private LoraLinearBlock(Builder b) {
        super(VERSION);
        this.config = b.config;
        this.base = b.base;
        this.outFeatures = base.getOutputShapes(new Shape[] {new Shape(1)})[0].get(0);
        addChildBlock("base_layer", base);
        loraA = addChildBlock("lora_A",
                Linear.builder().setUnits(config.rank()).optBias(false).build());
        loraB = addChildBlock("lora_B",
                Linear.builder().setUnits(outFeatures).optBias(false).build());
        Lora.initializeAdapter(loraA, loraB, config, b.random);
        Lora.freeze(base, !b.trainableBase);
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
     * The adapter settings.
     *
     * @return the settings
     */
    public LoraConfig getConfig() {
        return config;
    }

    /**
     * The wrapped layer.
     *
     * @return the base layer
     */
    public Linear getBase() {
        return base;
    }

    /**
     * Folds {@code scaling · B·A} into {@code base_layer.weight} and sets {@code lora_B} to zero,
     * so the output is unchanged and now comes from the base layer alone. Call it outside a
     * gradient collector. Training afterwards restarts the adapter from the merged weights.
     *
     * @throws IllegalStateException if the block is not initialized
     */
    public void merge() {
        Lora.merge(base.getParameters().get("weight"), loraA.getParameters().get("weight"),
                loraB.getParameters().get("weight"), config.scaling());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = base.forward(ps, inputs, training, params).singletonOrThrow();
        NDArray h = Lora.dropout(x, config, training);
        h = loraA.forward(ps, new NDList(h), training, params).singletonOrThrow();
        h = loraB.forward(ps, new NDList(h), training, params).singletonOrThrow();
        return new NDList(y.add(h.mul(config.scaling())));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        if (!base.isInitialized()) {
            base.initialize(manager, dataType, inputShapes[0]);
        }
        loraA.initialize(manager, dataType, inputShapes[0]);
        loraB.initialize(manager, dataType, loraA.getOutputShapes(inputShapes)[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return base.getOutputShapes(inputShapes);
    }

    @Override
    public String toString() {
        return "LoraLinear(out=" + outFeatures + ", " + config + ")";
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
