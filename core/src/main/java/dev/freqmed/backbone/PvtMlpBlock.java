package dev.freqmed.backbone;

import dev.freqmed.nn.Layers;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * PVT-v2 MLP on grid tokens (N, H, W, C): {@code fc1} (C→hidden), a depthwise 3×3 convolution on
 * the grid ({@code dwconv.dwconv}, bias), exact (erf) GELU, {@code fc2} (hidden→C).
 */
public final class PvtMlpBlock extends AbstractBlock {

    private final int dim;
    private final int hidden;
    private final Linear fc1;
    private final DepthwiseHolder dwconv;
    private final Linear fc2;

    /**
     * @param dim    width C
     * @param hidden hidden width
     */
    public PvtMlpBlock(int dim, int hidden) {
        this.dim = dim;
        this.hidden = hidden;
        fc1 = addChildBlock("fc1", Layers.linear(hidden, true));
        dwconv = addChildBlock("dwconv", new DepthwiseHolder(hidden));
        fc2 = addChildBlock("fc2", Layers.linear(dim, true));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = fc1.forward(ps, inputs, training, params).singletonOrThrow();
        x = dwconv.forward(ps, new NDList(x), training, params).singletonOrThrow();
        x = x.getNDArrayInternal().gelu();
        return fc2.forward(ps, new NDList(x), training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        fc1.initialize(manager, dataType, new Shape(1, 8, 8, dim));
        dwconv.initialize(manager, dataType, new Shape(1, 8, 8, hidden));
        fc2.initialize(manager, dataType, new Shape(1, 8, 8, hidden));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    /** The reference's {@code DWConv} wrapper, holding the depthwise convolution {@code dwconv}. */
    static final class DepthwiseHolder extends AbstractBlock {
        private final int channels;
        private final Conv2d conv;

        DepthwiseHolder(int channels) {
            this.channels = channels;
            conv = addChildBlock("dwconv", Layers.conv(channels, 3, 3, 1, 1, 1, true, channels));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray grid = inputs.singletonOrThrow().transpose(0, 3, 1, 2);
            NDArray y = conv.forward(ps, new NDList(grid), training, params).singletonOrThrow();
            return new NDList(y.transpose(0, 2, 3, 1));
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType,
                Shape... inputShapes) {
            conv.initialize(manager, dataType, Layers.nchw(channels));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }
}
