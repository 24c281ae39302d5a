package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A sequence of blocks and parameter-free functions whose children are named by their position,
 * like PyTorch's {@code nn.Sequential}: a ReLU at position 2 takes an index but holds no
 * parameters, so the next layer's keys start with {@code 3.}.
 *
 * <p>Children are sized at initialisation from {@link Layers#nchw} with the channel counts given
 * when they are added, so the spatial input size is free.
 */
public final class IndexedSequentialBlock extends AbstractBlock {

    private final List<Object> steps = new ArrayList<>();
    private final List<Shape> initShapes = new ArrayList<>();
    private final List<UnaryOperator<Shape>> shapeFunctions = new ArrayList<>();
    private int next;

    /** Appends a block fed with {@code initShape}-like inputs, named by its position. */
    public IndexedSequentialBlock add(Block block, Shape initShape) {
        addChildBlock(Integer.toString(next++), block);
        steps.add(block);
        initShapes.add(initShape);
        return this;
    }

    /** Appends a shape-preserving parameter-free function; it takes a position but no key. */
    public IndexedSequentialBlock add(UnaryOperator<NDArray> function) {
        return add(function, UnaryOperator.identity());
    }

    /**
     * Appends a parameter-free function that changes the shape as {@code shape} says; it takes a
     * position but no key.
     */
    public IndexedSequentialBlock add(UnaryOperator<NDArray> function, UnaryOperator<Shape> shape) {
        next++;
        steps.add(function);
        shapeFunctions.add(shape);
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        for (Object step : steps) {
            if (step instanceof Block b) {
                x = b.forward(ps, new NDList(x), training, params).singletonOrThrow();
            } else {
                x = ((UnaryOperator<NDArray>) step).apply(x);
            }
        }
        return new NDList(x);
    }

    @Override
    public void initializeChildBlocks(ai.djl.ndarray.NDManager manager, DataType dataType,
            Shape... inputShapes) {
        int i = 0;
        for (Object step : steps) {
            if (step instanceof Block b) {
                b.initialize(manager, dataType, initShapes.get(i++));
            }
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        int f = 0;
        for (Object step : steps) {
            if (step instanceof Block b) {
                s = b.getOutputShapes(new Shape[] {s})[0];
            } else {
                s = shapeFunctions.get(f++).apply(s);
            }
        }
        return new Shape[] {s};
    }
}
