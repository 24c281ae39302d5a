package dev.freqmed.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A holder of named child blocks that its parent calls one by one, like PyTorch's
 * {@code nn.ModuleList} / {@code nn.ModuleDict} or a sub-module used only as a namespace: it adds
 * one level to the parameter keys ({@code stages.0.weight}) and has no forward of its own. Each
 * child is initialised with the input shape given when it was added.
 */
public final class ContainerBlock extends AbstractBlock {

    private final Map<String, Block> byName = new LinkedHashMap<>();
    private final List<Shape> initShapes = new ArrayList<>();

    /**
     * Adds a child.
     *
     * @param name      key segment, e.g. {@code "0"} or {@code "mlp"}
     * @param block     the child
     * @param initShape an input shape that sizes its parameters
     * @return this container
     * @throws IllegalArgumentException when the name is taken
     */
    public ContainerBlock add(String name, Block block, Shape initShape) {
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("child '" + name + "' already exists");
        }
        addChildBlock(name, block);
        byName.put(name, block);
        initShapes.add(initShape);
        return this;
    }

    /**
     * Adds a child named by its position ({@code "0"}, {@code "1"}, ...).
     *
     * @param block     the child
     * @param initShape an input shape that sizes its parameters
     * @return this container
     */
    public ContainerBlock add(Block block, Shape initShape) {
        return add(Integer.toString(byName.size()), block, initShape);
    }

    /**
     * The child of a name.
     *
     * @param name the key segment
     * @return the child
     * @throws IllegalArgumentException when there is none
     */
    public Block get(String name) {
        Block b = byName.get(name);
        if (b == null) {
            throw new IllegalArgumentException("no child '" + name + "'; have " + byName.keySet());
        }
        return b;
    }

    /**
     * The child at a position.
     *
     * @param index 0-based position
     * @return the child
     */
    public Block get(int index) {
        return get(Integer.toString(index));
    }

    /** Number of children. */
    public int size() {
        return byName.size();
    }

    /** Not callable: the parent calls the children. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException("a container has no forward; call its children");
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        int i = 0;
        for (Block b : byName.values()) {
            b.initialize(manager, dataType, initShapes.get(i++));
        }
    }

    /** Not defined for a container. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException("a container has no output");
    }
}
