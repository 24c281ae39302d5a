package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/**
 * PyTorch's {@code nn.MultiheadAttention} (batch first, no masks, no dropout): query, key and
 * value are projected by the rows {@code [0, E)}, {@code [E, 2E)}, {@code [2E, 3E)} of the packed
 * {@code in_proj_weight (3E, E)} and {@code in_proj_bias (3E)}, split into {@code heads} heads of
 * {@code E / heads}, {@code softmax(q kᵀ / sqrt(E / heads)) v} per head, heads concatenated and
 * {@code out_proj} applied.
 *
 * <p>Inputs {@code q (N, Lq, E)}, {@code k (N, Lk, E)}, {@code v (N, Lk, E)}; output
 * {@code (N, Lq, E)}. The core is {@link DotProductAttention}: the engine's fused kernel where
 * the self-test passed it, else explicit products over chunks of {@code queryChunk} queries (so
 * inference never holds the full {@code Lq × Lk} score matrix). Keys: {@code in_proj_weight},
 * {@code in_proj_bias}, {@code out_proj.weight}, {@code out_proj.bias}. Initialisation as
 * PyTorch: Xavier-uniform {@code in_proj_weight}, zero biases.
 */
public final class CrossAttentionBlock extends AbstractBlock {

    private final int dim;
    private final int heads;
    private final int queryChunk;
    private final Parameter inWeight;
    private final Parameter inBias;
    private final Linear outProj;

    /**
     * @param dim        embedding width {@code E}
     * @param heads      number of heads, dividing {@code E}
     * @param queryChunk queries per chunk, 0 for all at once
     * @throws IllegalArgumentException for inconsistent sizes
     */
    public CrossAttentionBlock(int dim, int heads, int queryChunk) {
        if (dim < 1 || heads < 1 || dim % heads != 0 || queryChunk < 0) {
            throw new IllegalArgumentException("attention needs heads dividing dim and"
                    + " queryChunk >= 0, found dim=" + dim + " heads=" + heads + " queryChunk="
                    + queryChunk);
        }
        this.dim = dim;
        this.heads = heads;
        this.queryChunk = queryChunk;
        inWeight = addParameter(Parameter.builder().setName("in_proj_weight")
                .setType(Parameter.Type.WEIGHT).optShape(new Shape(3L * dim, dim))
                .optInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
                        XavierInitializer.FactorType.AVG, 6))
                .build());
        inBias = addParameter(Parameter.builder().setName("in_proj_bias")
                .setType(Parameter.Type.BIAS).optShape(new Shape(3L * dim))
                .optInitializer(Initializer.ZEROS).build());
        outProj = addChildBlock("out_proj", Linear.builder().setUnits(dim).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        if (inputs.size() != 3) {
            throw new IllegalArgumentException("attention expects (query, key, value), found "
                    + inputs.size() + " arrays");
        }
        NDArray w = ParameterViews.value(ps, inWeight, inputs.head(), training);
        NDArray b = ParameterViews.value(ps, inBias, inputs.head(), training);
        NDArray q = project(inputs.get(0), w, b, 0);
        NDArray k = project(inputs.get(1), w, b, 1);
        NDArray v = project(inputs.get(2), w, b, 2);
        long n = inputs.get(0).getShape().get(0);
        long lq = inputs.get(0).getShape().get(1);
        NDArray out = DotProductAttention.apply(q, k, v, queryChunk);
        out = out.transpose(0, 2, 1, 3).reshape(n, lq, dim);
        return outProj.forward(ps, new NDList(out), training, params);
    }

    /** Rows {@code [part·E, (part+1)·E)} of the packed projection → {@code (N, heads, L, d)}. */
    private NDArray project(NDArray x, NDArray w, NDArray b, int part) {
        Shape s = x.getShape();
        if (s.dimension() != 3 || s.get(2) != dim) {
            throw new IllegalArgumentException("attention expects (N, L, " + dim + "), found "
                    + s);
        }
        NDIndex rows = new NDIndex("{}:{}", (long) part * dim, (long) (part + 1) * dim);
        NDArray y = x.matMul(w.get(rows).transpose()).add(b.get(rows));
        return y.reshape(s.get(0), s.get(1), heads, dim / heads).transpose(0, 2, 1, 3);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        outProj.initialize(manager, dataType, new Shape(1, dim));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "CrossAttention(dim=" + dim + ", heads=" + heads + ")";
    }
}
