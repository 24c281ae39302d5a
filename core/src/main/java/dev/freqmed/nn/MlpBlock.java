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

/**
 * The transformer MLP: {@code Linear(C → hidden)}, exact (erf) GELU,
 * {@code Linear(hidden → C)}, both with bias, applied to the last axis.
 *
 * <p>Input {@code (..., C)} of any rank, output of the same shape. The two layers are named as
 * the chosen reference names them ({@link Naming}), so their keys are e.g. {@code lin1.weight}
 * {@code (hidden, C)} and {@code lin2.bias} {@code (C)}. References: segment-anything
 * {@code modeling/common.py} {@code MLPBlock} ({@code lin1}, {@code lin2}); timm
 * {@code layers/mlp.py} {@code Mlp} as used by DINOv2 / UNI ({@code fc1}, {@code fc2}).
 */
public final class MlpBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    /** Names of the two layers in the reference state dicts. */
    public enum Naming {
        /** Segment Anything: {@code lin1}, {@code lin2}. */
        SAM("lin1", "lin2"),
        /** timm, DINOv2 and UNI: {@code fc1}, {@code fc2}. */
        TIMM("fc1", "fc2");

        private final String first;
        private final String second;

        Naming(String first, String second) {
            this.first = first;
            this.second = second;
        }

        /**
         * Name of the expanding layer.
         *
         * @return e.g. {@code lin1}
         */
        public String first() {
            return first;
        }

        /**
         * Name of the projecting layer.
         *
         * @return e.g. {@code lin2}
         */
        public String second() {
            return second;
        }
    }

    private final int dim;
    private final int hidden;
    private final Linear expand;
    private final Linear project;

    private MlpBlock(Builder b) {
        super(VERSION);
        this.dim = b.dim;
        this.hidden = b.hidden;
        expand = addChildBlock(b.naming.first(), Linear.builder().setUnits(hidden).build());
        project = addChildBlock(b.naming.second(), Linear.builder().setUnits(dim).build());
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
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != dim) {
            throw new IllegalArgumentException("MLP expects (..., " + dim + "), found " + s);
        }
        NDArray h = expand.forward(ps, inputs, training, params).singletonOrThrow();
        h = h.getNDArrayInternal().gelu();
        return project.forward(ps, new NDList(h), training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        expand.initialize(manager, dataType, new Shape(1, dim));
        project.initialize(manager, dataType, new Shape(1, hidden));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "Mlp(" + dim + " -> " + hidden + " -> " + dim + ")";
    }

    /** Builder for {@link MlpBlock}. */
    public static final class Builder {
        private int dim;
        private int hidden;
        private Naming naming = Naming.TIMM;

        private Builder() {}

        /**
         * Sets the input and output width {@code C} (required).
         *
         * @param dim positive width
         * @return this builder
         */
        public Builder setDim(int dim) {
            this.dim = dim;
            return this;
        }

        /**
         * Sets the hidden width (required).
         *
         * @param hidden positive width
         * @return this builder
         */
        public Builder setHidden(int hidden) {
            this.hidden = hidden;
            return this;
        }

        /**
         * Sets the layer names (default {@link Naming#TIMM}).
         *
         * @param naming the reference naming
         * @return this builder
         */
        public Builder optNaming(Naming naming) {
            this.naming = naming;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the block
         * @throws IllegalArgumentException naming the offending field
         */
        public MlpBlock build() {
            if (dim < 1) {
                throw new IllegalArgumentException("dim must be positive, found " + dim);
            }
            if (hidden < 1) {
                throw new IllegalArgumentException("hidden must be positive, found " + hidden);
            }
            if (naming == null) {
                throw new IllegalArgumentException("naming must not be null");
            }
            return new MlpBlock(this);
        }
    }
}
