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

/**
 * The reference's {@code Down_2}, {@code Down_4} and {@code Down_8}: k convolutions 3×3, stride 2,
 * padding 1, with bias ({@code conv1..convk}), then one {@code bn}; no activation anywhere.
 * (N, C, H, W) → (N, C<sub>k</sub>, H/2<sup>k</sup>, W/2<sup>k</sup>).
 */
final class DownBlock extends AbstractBlock {

    private final int in;
    private final int[] outs;
    private final Conv2d[] convs;
    private final BatchNorm bn;

    DownBlock(int in, int... outs) {
        this.in = in;
        this.outs = outs.clone();
        convs = new Conv2d[outs.length];
        for (int i = 0; i < outs.length; i++) {
            convs[i] = addChildBlock("conv" + (i + 1), Layers.conv(outs[i], 3, 2, 1, true));
        }
        bn = addChildBlock("bn", Layers.batchNorm());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return ScopedForward.run(inputs, training, in -> compute(ps, in, training, params));
    }

    private NDList compute(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        for (Conv2d c : convs) {
            x = c.forward(ps, new NDList(x), training, params).singletonOrThrow();
        }
        return bn.forward(ps, new NDList(x), training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        int prev = in;
        for (int i = 0; i < convs.length; i++) {
            convs[i].initialize(manager, dataType, Layers.nchw(prev));
            prev = outs[i];
        }
        bn.initialize(manager, dataType, Layers.nchw(prev));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] s) {
        long h = s[0].get(2);
        long w = s[0].get(3);
        for (int i = 0; i < outs.length; i++) {
            h = (h - 1) / 2 + 1;
            w = (w - 1) / 2 + 1;
        }
        return new Shape[] {new Shape(s[0].get(0), outs[outs.length - 1], h, w)};
    }
}
