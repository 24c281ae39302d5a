package dev.freqmed.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.DropPath;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.ScopedForward;

/**
 * One pre-norm PVT-v2 transformer block on grid tokens (N, H, W, C):
 * {@code x += DropPath(attn(norm1(x)))}, then {@code x += DropPath(mlp(norm2(x)))}, norms with
 * ε 1e-6. Children: {@code norm1}, {@code attn}, {@code norm2}, {@code mlp}.
 */
public final class PvtV2LayerBlock extends AbstractBlock {

    private final int dim;
    private final double dropPath;
    private final LayerNorm norm1;
    private final SpatialReductionAttentionBlock attn;
    private final LayerNorm norm2;
    private final PvtMlpBlock mlp;

    /**
     * @param dim      width C
     * @param heads    attention heads
     * @param mlpRatio MLP hidden width over C
     * @param srRatio  key/value spatial reduction (1 = none)
     * @param dropPath stochastic-depth rate of this block (training only)
     */
    public PvtV2LayerBlock(int dim, int heads, int mlpRatio, int srRatio, double dropPath) {
        this.dim = dim;
        this.dropPath = dropPath;
        norm1 = addChildBlock("norm1", Layers.layerNorm(1e-6f, 4));
        attn = addChildBlock("attn", new SpatialReductionAttentionBlock(dim, heads, srRatio));
        norm2 = addChildBlock("norm2", Layers.layerNorm(1e-6f, 4));
        mlp = addChildBlock("mlp", new PvtMlpBlock(dim, dim * mlpRatio));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return ScopedForward.run(inputs, training, in -> compute(ps, in, training, params));
    }

    private NDList compute(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray a = norm1.forward(ps, new NDList(x), training, params).singletonOrThrow();
        a = attn.forward(ps, new NDList(a), training, params).singletonOrThrow();
        x = x.add(DropPath.apply(a, dropPath, training));
        NDArray m = norm2.forward(ps, new NDList(x), training, params).singletonOrThrow();
        m = mlp.forward(ps, new NDList(m), training, params).singletonOrThrow();
        return new NDList(x.add(DropPath.apply(m, dropPath, training)));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = new Shape(1, 8, 8, dim);
        norm1.initialize(manager, dataType, s);
        attn.initialize(manager, dataType, s);
        norm2.initialize(manager, dataType, s);
        mlp.initialize(manager, dataType, s);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
