package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
 * Hierarchical context fusion (spec §2.6; reference {@code lib/FSANet.py HCF}), attributes
 * {@code rfb1_after..rfb4_after}. (N, C, H, W) → (N, c, H, W):
 * <pre>
 * b1 = branch1_1(x) (1×1, 1×3, 3×1);  b2..b5 = branch2..5(x) (1×1 each)
 * t2 = branch1_2(cat[b1, b2]) (1×5, 5×1);  t3 = branch1_3(cat[t2, b3]) (1×7, 7×1)
 * t4 = conv_cat(cat[t3, b4]) (3×3);  out = ReLU(b5 + t4)
 * </pre>
 * Every convolution is conv + BN without activation.
 */
final class HcfBlock extends AbstractBlock {

    private final int in;
    private final int out;
    private final IndexedSequentialBlock branch11;
    private final IndexedSequentialBlock branch12;
    private final IndexedSequentialBlock branch13;
    private final IndexedSequentialBlock[] single = new IndexedSequentialBlock[4];
    private final BasicConvBlock convCat;

    HcfBlock(int in, int out) {
        this.in = in;
        this.out = out;
        branch11 = addChildBlock("branch1_1", new IndexedSequentialBlock()
                .add(new BasicConvBlock(in, out, 1, 1), Layers.nchw(in))
                .add(new BasicConvBlock(out, out, 1, 3), Layers.nchw(out))
                .add(new BasicConvBlock(out, out, 3, 1), Layers.nchw(out)));
        branch12 = addChildBlock("branch1_2", new IndexedSequentialBlock()
                .add(new BasicConvBlock(2 * out, out, 1, 5), Layers.nchw(2L * out))
                .add(new BasicConvBlock(out, out, 5, 1), Layers.nchw(out)));
        branch13 = addChildBlock("branch1_3", new IndexedSequentialBlock()
                .add(new BasicConvBlock(2 * out, out, 1, 7), Layers.nchw(2L * out))
                .add(new BasicConvBlock(out, out, 7, 1), Layers.nchw(out)));
        for (int i = 0; i < 4; i++) {
            single[i] = addChildBlock("branch" + (i + 2), new IndexedSequentialBlock()
                    .add(new BasicConvBlock(in, out, 1, 1), Layers.nchw(in)));
        }
        convCat = addChildBlock("conv_cat", new BasicConvBlock(2 * out, out, 3, 3));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return ScopedForward.run(inputs, training, in -> compute(ps, in, training, params));
    }

    private NDList compute(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray b1 = run(branch11, inputs, ps, training, params);
        NDArray b2 = run(single[0], inputs, ps, training, params);
        NDArray b3 = run(single[1], inputs, ps, training, params);
        NDArray b4 = run(single[2], inputs, ps, training, params);
        NDArray b5 = run(single[3], inputs, ps, training, params);
        NDArray t2 = run(branch12, new NDList(NDArrays.concat(new NDList(b1, b2), 1)), ps,
                training, params);
        NDArray t3 = run(branch13, new NDList(NDArrays.concat(new NDList(t2, b3), 1)), ps,
                training, params);
        NDArray t4 = convCat.forward(ps, new NDList(NDArrays.concat(new NDList(t3, b4), 1)),
                training, params).singletonOrThrow();
        return new NDList(b5.add(t4).getNDArrayInternal().relu());
    }

    private static NDArray run(AbstractBlock b, NDList in, ParameterStore ps, boolean training,
            PairList<String, Object> params) {
        return b.forward(ps, in, training, params).singletonOrThrow();
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        branch11.initialize(manager, dataType, Layers.nchw(in));
        branch12.initialize(manager, dataType, Layers.nchw(2L * out));
        branch13.initialize(manager, dataType, Layers.nchw(2L * out));
        for (IndexedSequentialBlock b : single) {
            b.initialize(manager, dataType, Layers.nchw(in));
        }
        convCat.initialize(manager, dataType, Layers.nchw(2L * out));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] s) {
        return new Shape[] {new Shape(s[0].get(0), out, s[0].get(2), s[0].get(3))};
    }
}
