package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * PyTorch's {@code nn.ModuleList}: children named {@code 0, 1, ...}, so keys read
 * {@code resnets.0.conv1.weight}. The owner calls the children itself; the list has no forward.
 */
public final class SdList extends SdBlock {

    private int size;

    /** Appends a leaf layer. */
    public Block append(SdLayers.Layer layer) {
        return add(Integer.toString(size++), layer);
    }

    /** Appends a composite block. */
    public <T extends SdBlock> T append(T block) {
        return add(Integer.toString(size++), block);
    }

    /** Child {@code i}. */
    public Block get(int i) {
        return getChildren().valueAt(i);
    }

    /** Number of children. */
    public int size() {
        return size;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException("a module list is not called; its owner calls"
                + " its children");
    }
}
