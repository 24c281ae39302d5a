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

/**
 * The reference's {@code BasicConv2d} as used in HCF: {@code conv} (no bias) then {@code bn},
 * no activation. (N, C<sub>in</sub>, H, W) → (N, C<sub>out</sub>, H, W).
 */
final class BasicConvBlock extends AbstractBlock {

    private final int in;
    private final int out;
    private final Conv2d conv;
    private final BatchNorm bn;

    BasicConvBlock(int in, int out, int kh, int kw) {
        this.in = in;
        this.out = out;
        conv = addChildBlock("conv", Layers.conv(out, kh, kw, 1, kh / 2, kw / 2, false, 1));
        bn = addChildBlock("bn", Layers.batchNorm());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = conv.forward(ps, inputs, training, params).singletonOrThrow();
        return bn.forward(ps, new NDList(x), training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv.initialize(manager, dataType, Layers.nchw(in));
        bn.initialize(manager, dataType, Layers.nchw(out));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] s) {
        return new Shape[] {new Shape(s[0].get(0), out, s[0].get(2), s[0].get(3))};
    }
}
