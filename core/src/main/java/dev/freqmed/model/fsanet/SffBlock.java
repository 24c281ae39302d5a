package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
 * Selective feature fusion (spec §2.7; reference {@code lib/FSANet.py SFF}). Inputs x (N, C, H, W)
 * and y (N, C, H/2, W/2); output (N, C, H, W):
 * <pre>
 * y' = bilinear×2(y) (align_corners=False);  xy = cat[x, y']
 * f  = conv_out(ReLU(bn_xy(conv_xy(xy))) · sigmoid(bn_gate(conv_gate(xy))))
 * w  = sea(f);  out = x·w + y'·(1 − w)
 * </pre>
 * {@code bn_out} is held so its reference key loads but, as in the reference, never applied.
 */
final class SffBlock extends AbstractBlock {

    private final int channels;
    private final SeaBlock sea;
    private final Conv2d convXy;
    private final BatchNorm bnXy;
    private final Conv2d convGate;
    private final BatchNorm bnGate;
    private final Conv2d convOut;
    private final BatchNorm bnOut;

    SffBlock(int channels) {
        this.channels = channels;
        sea = addChildBlock("sea", new SeaBlock(channels, 4));
        convXy = addChildBlock("conv_xy", Layers.conv(2 * channels, 3, 1, 1, false));
        bnXy = addChildBlock("bn_xy", Layers.batchNorm());
        convGate = addChildBlock("conv_gate", Layers.conv(2 * channels, 3, 1, 1, false));
        bnGate = addChildBlock("bn_gate", Layers.batchNorm());
        convOut = addChildBlock("conv_out", Layers.conv(channels, 3, 1, 1, false));
        bnOut = addChildBlock("bn_out", Layers.batchNorm());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return ScopedForward.run(inputs, training, in -> compute(ps, in, training, params));
    }

    private NDList compute(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray y = inputs.get(1);
        y = Resize.scale(y, 2, Resize.Mode.BILINEAR, false);
        NDList xy = new NDList(NDArrays.concat(new NDList(x, y), 1));
        NDArray a = convXy.forward(ps, xy, training, params).singletonOrThrow();
        a = bnXy.forward(ps, new NDList(a), training, params).singletonOrThrow()
                .getNDArrayInternal().relu();
        NDArray g = convGate.forward(ps, xy, training, params).singletonOrThrow();
        g = bnGate.forward(ps, new NDList(g), training, params).singletonOrThrow()
                .getNDArrayInternal().sigmoid();
        NDArray f = convOut.forward(ps, new NDList(a.mul(g)), training, params)
                .singletonOrThrow();
        NDArray w = sea.forward(ps, new NDList(f), training, params).singletonOrThrow();
        return new NDList(x.mul(w).add(y.mul(w.neg().add(1))));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        sea.initialize(manager, dataType, Layers.nchw(channels));
        convXy.initialize(manager, dataType, Layers.nchw(2L * channels));
        bnXy.initialize(manager, dataType, Layers.nchw(2L * channels));
        convGate.initialize(manager, dataType, Layers.nchw(2L * channels));
        bnGate.initialize(manager, dataType, Layers.nchw(2L * channels));
        convOut.initialize(manager, dataType, Layers.nchw(2L * channels));
        bnOut.initialize(manager, dataType, Layers.nchw(channels));
        // Never applied in the reference, so never trained.
        bnOut.freezeParameters(true);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] s) {
        return new Shape[] {s[0]};
    }
}
