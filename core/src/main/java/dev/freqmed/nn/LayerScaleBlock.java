package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * LayerScale: a learnt per-channel factor on the last axis, {@code y = x · gamma}, as in CaiT and
 * DINOv2 ({@code dinov2/layers/layer_scale.py}, timm {@code LayerScale}).
 *
 * <p>Input {@code (..., C)}, output of the same shape. One parameter {@code gamma} {@code (C)},
 * initialised to a constant (DINOv2 uses 1e-5 for training from scratch).
 */
public final class LayerScaleBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int dim;
    private final Parameter gamma;

    /**
     * @param dim       width {@code C}, positive
     * @param initValue initial value of every factor
     * @throws IllegalArgumentException if {@code dim} is not positive or the value not finite
     */
    public LayerScaleBlock(int dim, float initValue) {
        super(VERSION);
        if (dim < 1 || !Float.isFinite(initValue)) {
            throw new IllegalArgumentException("LayerScale needs a positive width and a finite"
                    + " initial value, found " + dim + " and " + initValue);
        }
        this.dim = dim;
        gamma = addParameter(Parameter.builder()
                .setName("gamma")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(dim))
                .optInitializer(new ConstantInitializer(initValue))
                .build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != dim) {
            throw new IllegalArgumentException("LayerScale expects (..., " + dim + "), found " + s);
        }
        return new NDList(x.mul(ps.getValue(gamma, x.getDevice(), training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "LayerScale(" + dim + ")";
    }
}
