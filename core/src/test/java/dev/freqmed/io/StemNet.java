package dev.freqmed.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The small network of the weight fixtures: {@code stem} conv 3x3 with bias, then
 * {@code layers.0} and {@code layers.1}, each {@code relu(bn(conv3x3 no bias)) + x}.
 */
final class StemNet extends AbstractBlock {

    private final Block stem;
    private final SequentialBlock layers;

    StemNet(int in, int channels) {
        stem = addChildBlock("stem", conv(channels, true));
        layers = addChildBlock("layers", new SequentialBlock());
        layers.add(new Layer(channels));
        layers.add(new Layer(channels));
    }

    private static Conv2d conv(int channels, boolean bias) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                .setFilters(channels).optBias(bias).build();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDList x = stem.forward(ps, inputs, training);
        return layers.forward(ps, x, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        Shape[] out = stem.getOutputShapes(inputShapes);
        return new Shape[] {new Shape(s.get(0), out[0].get(1), s.get(2), s.get(3))};
    }

    @Override
    protected void initializeChildBlocks(ai.djl.ndarray.NDManager manager, DataType dataType,
            Shape... inputShapes) {
        stem.initialize(manager, dataType, inputShapes);
        Shape[] mid = stem.getOutputShapes(inputShapes);
        layers.initialize(manager, dataType, mid);
    }

    /** relu(bn(conv(x))) + x. */
    static final class Layer extends AbstractBlock {
        private final Block conv;
        private final Block bn;

        Layer(int channels) {
            conv = addChildBlock("conv", conv(channels, false));
            bn = addChildBlock("bn", BatchNorm.builder().build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            NDList y = bn.forward(ps, conv.forward(ps, inputs, training), training);
            return new NDList(Activation.relu(y.singletonOrThrow()).add(x));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }

        @Override
        protected void initializeChildBlocks(ai.djl.ndarray.NDManager manager, DataType dataType,
                Shape... inputShapes) {
            conv.initialize(manager, dataType, inputShapes);
            bn.initialize(manager, dataType, conv.getOutputShapes(inputShapes));
        }
    }
}
