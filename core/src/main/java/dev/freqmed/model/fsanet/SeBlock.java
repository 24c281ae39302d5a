package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.ScopedForward;

/**
 * Squeeze-and-excitation gate of MF (reference {@code utils/Attention.py se_block}, reduction 16):
 * global average pool, {@code fc.0} Linear C→C/16 without bias, ReLU, {@code fc.2} Linear
 * C/16→C without bias, sigmoid, x·s. (N, C, H, W) → same shape.
 */
final class SeBlock extends AbstractBlock {

    private final int channels;
    private final IndexedSequentialBlock fc;

    SeBlock(int channels) {
        this.channels = channels;
        int hidden = Math.max(1, channels / 16);
        fc = addChildBlock("fc", new IndexedSequentialBlock()
                .add(Layers.linear(hidden, false), new Shape(1, channels))
                .add(a -> a.getNDArrayInternal().relu())
                .add(Layers.linear(channels, false), new Shape(1, hidden))
                .add(a -> a.getNDArrayInternal().sigmoid()));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return ScopedForward.run(inputs, training, in -> compute(ps, in, training, params));
    }

    private NDList compute(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray pooled = x.mean(new int[] {3}).mean(new int[] {2});
        NDArray s = fc.forward(ps, new NDList(pooled), training, params).singletonOrThrow();
        return new NDList(x.mul(s.expandDims(2).expandDims(3)));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        fc.initialize(manager, dataType, new Shape(1, channels));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] s) {
        return s;
    }
}
