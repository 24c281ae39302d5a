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
 * The SFF weighting {@code SEA} (spec §2.7; reference {@code lib/FSANet.py SEA}), r = 4:
 * <pre>
 * l = local_att(f)     conv1×1 C→C/r, BN, ReLU, conv1×1 C/r→C, BN          (indices 0..4)
 * g = global_att(f)    the same stack after a global average pool          (indices 1..5)
 * c = channel_att(f)   the same stack then sigmoid, per pixel (not pooled)  (indices 0..5)
 * w = sigmoid((l + g) · c)
 * </pre>
 * (N, C, H, W) → weights (N, C, H, W) in (0, 1). A training batch of one image runs
 * {@code global_att} with the BatchNorm running statistics (the reference cannot train on it).
 */
final class SeaBlock extends AbstractBlock {

    private final int channels;
    private final IndexedSequentialBlock localAtt;
    private final IndexedSequentialBlock globalAtt;
    private final IndexedSequentialBlock channelAtt;

    SeaBlock(int channels, int r) {
        this.channels = channels;
        int hidden = channels / r;
        localAtt = addChildBlock("local_att",
                stack(new IndexedSequentialBlock(), channels, hidden));
        IndexedSequentialBlock g = new IndexedSequentialBlock()
                .add(a -> a.mean(new int[] {3}, true).mean(new int[] {2}, true),
                        s -> new Shape(s.get(0), s.get(1), 1, 1));
        globalAtt = addChildBlock("global_att", stack(g, channels, hidden));
        channelAtt = addChildBlock("channel_att", stack(new IndexedSequentialBlock(), channels,
                hidden).add(a -> a.getNDArrayInternal().sigmoid()));
    }

    private static IndexedSequentialBlock stack(IndexedSequentialBlock b, int c, int hidden) {
        return b.add(Layers.conv(hidden, 1, 1, 0, true), Layers.nchw(c))
                .add(Layers.batchNorm(), Layers.nchw(hidden))
                .add(a -> a.getNDArrayInternal().relu())
                .add(Layers.conv(c, 1, 1, 0, true), Layers.nchw(hidden))
                .add(Layers.batchNorm(), Layers.nchw(c));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return ScopedForward.run(inputs, training, in -> compute(ps, in, training, params));
    }

    private NDList compute(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray l = localAtt.forward(ps, inputs, training, params).singletonOrThrow();
        // DEVIATION: BatchNorm cannot normalise a single 1×1 map in training mode (the reference
        // fails on a batch of one image); such a batch uses the running statistics here.
        boolean single = inputs.head().getShape().get(0) == 1;
        NDArray g = globalAtt.forward(ps, inputs, training && !single, params).singletonOrThrow();
        NDArray c = channelAtt.forward(ps, inputs, training, params).singletonOrThrow();
        return new NDList(l.add(g).mul(c).getNDArrayInternal().sigmoid());
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        localAtt.initialize(manager, dataType, Layers.nchw(channels));
        globalAtt.initialize(manager, dataType, Layers.nchw(channels));
        channelAtt.initialize(manager, dataType, Layers.nchw(channels));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] s) {
        return s;
    }
}
