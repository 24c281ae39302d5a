package dev.freqmed.backbone;

import dev.freqmed.nn.Layers;
import dev.freqmed.nn.ScopedForward;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * PVT-v2 overlapping patch embedding: {@code proj} (k×k convolution, stride s, padding k/2, bias)
 * then {@code norm} (LayerNorm ε 1e-5). Input (N, C, H, W), output tokens in grid layout
 * (N, H/s, W/s, D).
 */
public final class OverlapPatchEmbedBlock extends AbstractBlock {

    private final int inChannels;
    private final int dim;
    private final int kernel;
    private final int stride;
    private final Conv2d proj;
    private final LayerNorm norm;

    /**
     * @param inChannels input channels
     * @param dim        embedding width
     * @param kernel     patch size (7 for stage 1, 3 later)
     * @param stride     stride (4 for stage 1, 2 later)
     */
    public OverlapPatchEmbedBlock(int inChannels, int dim, int kernel, int stride) {
        this.inChannels = inChannels;
        this.dim = dim;
        this.kernel = kernel;
        this.stride = stride;
        proj = addChildBlock("proj", Layers.conv(dim, kernel, stride, kernel / 2, true));
        norm = addChildBlock("norm", Layers.layerNorm(1e-5f, 4));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return ScopedForward.run(inputs, training, in -> compute(ps, in, training, params));
    }

    private NDList compute(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = proj.forward(ps, inputs, training, params).singletonOrThrow();
        x = x.transpose(0, 2, 3, 1);
        return norm.forward(ps, new NDList(x), training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        proj.initialize(manager, dataType, Layers.nchw(inChannels));
        norm.initialize(manager, dataType, new Shape(1, 8, 8, dim));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        long h = (in[0].get(2) + 2L * (kernel / 2) - kernel) / stride + 1;
        long w = (in[0].get(3) + 2L * (kernel / 2) - kernel) / stride + 1;
        return new Shape[] {new Shape(in[0].get(0), h, w, dim)};
    }
}
