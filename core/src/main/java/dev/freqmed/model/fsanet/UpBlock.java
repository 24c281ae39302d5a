package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.ScopedForward;
import dev.freqmed.tensor.Resize;

/**
 * The reference's {@code Up_n}: {@code conv1} (1×1, bias), {@code bn}, then bilinear ×n with
 * {@code align_corners=True}. (N, C, H, W) → (N, C<sub>out</sub>, nH, nW).
 */
final class UpBlock extends AbstractBlock {

    private final int in;
    private final int out;
    private final int factor;
    private final Conv2d conv1;
    private final BatchNorm bn;

    UpBlock(int in, int out, int factor) {
        this.in = in;
        this.out = out;
        this.factor = factor;
        conv1 = addChildBlock("conv1", Layers.conv(out, 1, 1, 0, true));
        bn = addChildBlock("bn", Layers.batchNorm());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return ScopedForward.run(inputs, training, in -> compute(ps, in, training, params));
    }

    private NDList compute(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = conv1.forward(ps, inputs, training, params).singletonOrThrow();
        x = bn.forward(ps, new NDList(x), training, params).singletonOrThrow();
        return new NDList(Resize.scale(x, factor, Resize.Mode.BILINEAR, true));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv1.initialize(manager, dataType, Layers.nchw(in));
        bn.initialize(manager, dataType, Layers.nchw(out));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] s) {
        return new Shape[] {new Shape(s[0].get(0), out, s[0].get(2) * factor,
                s[0].get(3) * factor)};
    }
}
