package dev.freqmed.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.DotProductAttention;
import dev.freqmed.nn.Layers;

/**
 * PVT-v2 spatial-reduction attention on grid tokens (N, H, W, C). Queries come from every token;
 * keys and values from the tokens reduced by {@code sr} (C×C convolution, kernel = stride = ratio)
 * and {@code norm} (LayerNorm ε 1e-5) when the ratio exceeds 1. {@code kv} splits as [k | v},
 * head-major; scale = head_dim<sup>−1/2</sup>; then {@code proj}.
 */
public final class SpatialReductionAttentionBlock extends AbstractBlock {

    private final int dim;
    private final int heads;
    private final int srRatio;
    private final Linear q;
    private final Linear kv;
    private final Linear proj;
    private final Conv2d sr;
    private final LayerNorm norm;

    /**
     * @param dim     width C
     * @param heads   number of heads (C divisible by it)
     * @param srRatio spatial reduction ratio
     */
    public SpatialReductionAttentionBlock(int dim, int heads, int srRatio) {
        this.dim = dim;
        this.heads = heads;
        this.srRatio = srRatio;
        q = addChildBlock("q", Layers.linear(dim, true));
        kv = addChildBlock("kv", Layers.linear(2 * dim, true));
        proj = addChildBlock("proj", Layers.linear(dim, true));
        if (srRatio > 1) {
            sr = addChildBlock("sr", Layers.conv(dim, srRatio, srRatio, 0, true));
            norm = addChildBlock("norm", Layers.layerNorm(1e-5f, 3));
        } else {
            sr = null;
            norm = null;
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        long b = s.get(0);
        long h = s.get(1);
        long w = s.get(2);
        long n = h * w;
        long hd = dim / heads;
        NDArray tokens = x.reshape(b, n, dim);
        NDArray query = q.forward(ps, new NDList(tokens), training, params).singletonOrThrow()
                .reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
        NDArray src = tokens;
        if (sr != null) {
            NDArray grid = x.transpose(0, 3, 1, 2);
            NDArray red = sr.forward(ps, new NDList(grid), training, params).singletonOrThrow();
            src = red.reshape(b, dim, -1).transpose(0, 2, 1);
            src = norm.forward(ps, new NDList(src), training, params).singletonOrThrow();
        }
        NDArray kvs = kv.forward(ps, new NDList(src), training, params).singletonOrThrow()
                .reshape(b, -1, 2, heads, hd).transpose(2, 0, 3, 1, 4);
        NDArray k = kvs.get(0);
        NDArray v = kvs.get(1);
        NDArray out = DotProductAttention.apply(query, k, v, 0).transpose(0, 2, 1, 3)
                .reshape(b, n, dim);
        out = proj.forward(ps, new NDList(out), training, params).singletonOrThrow();
        return new NDList(out.reshape(b, h, w, dim));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape t = new Shape(1, 8, dim);
        q.initialize(manager, dataType, t);
        kv.initialize(manager, dataType, t);
        proj.initialize(manager, dataType, t);
        if (sr != null) {
            sr.initialize(manager, dataType, Layers.nchw(dim));
            norm.initialize(manager, dataType, t);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
