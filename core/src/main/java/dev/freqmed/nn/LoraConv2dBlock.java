package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
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
 * there). Reference: peft {@code tuners/lora/layer.py} {@code _ConvNd}, {@code Conv2d},
 * {@code get_delta_weight}.
 */
public final class LoraConv2dBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final LoraConfig config;
    private final Conv2d base;
    private final Conv2d loraA;
    private final Conv2d loraB;

    private LoraConv2dBlock(Builder b) {
        super(VERSION);
        this.config = b.config;
        this.base = b.base;
        addChildBlock("base_layer", base);
        loraA = addChildBlock("lora_A", RoutedConv2d.routedBuilder()
                .setFilters(config.rank())
                .setKernelShape(base.getKernelShape())
                .optStride(base.getStride())
                .optPadding(base.getPadding())
                .optBias(false)
                .build());
        loraB = addChildBlock("lora_B", RoutedConv2d.routedBuilder()
                .setFilters(base.getFilters())
                .setKernelShape(new Shape(1, 1))
                .optBias(false)
                .build());
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
     * The wrapped convolution.
     *
     * @return the base layer
     */
    public Conv2d getBase() {
        return base;
    }

    /**
     * Folds {@code scaling · B·A} into {@code base_layer.weight} and sets {@code lora_B} to zero,
     * so the output is unchanged and now comes from the base layer alone. Call it outside a
     * gradient collector.
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
        return "LoraConv2d(out=" + base.getFilters() + ", kernel=" + base.getKernelShape() + ", "
                + config + ")";
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
