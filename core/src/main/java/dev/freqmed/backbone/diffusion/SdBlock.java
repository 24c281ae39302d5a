package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.nn.ScopedForward;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A composite block of the diffusion backbones. Its leaf layers carry their parameter shapes from
 * construction ({@link SdLayers}), so initialisation does not trace shapes through the network:
 * each leaf is initialised with a nominal input that gives it its final shapes, and composites
 * pass initialisation on to their children.
 */
public abstract class SdBlock extends AbstractBlock {

    private final Map<Block, Shape> nominal = new IdentityHashMap<>();

    /** An empty composite. */
    protected SdBlock() {
        super((byte) 1);
    }

    /** Adds a leaf layer as child {@code name}. */
    protected final Block add(String name, SdLayers.Layer layer) {
        nominal.put(layer.block(), layer.nominalInput());
        return addChildBlock(name, layer.block());
    }

    /** Adds a composite child. */
    protected final <T extends SdBlock> T add(String name, T block) {
        return addChildBlock(name, block);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block c : getChildren().values()) {
            Shape s = nominal.get(c);
            c.initialize(manager, dataType, s == null ? inputShapes : new Shape[] {s});
        }
    }

    /**
     * Inner blocks do not trace shapes; the networks built from them
     * ({@link AutoencoderKl}, {@link UNet2dCondition}, the Diffusion-FFPE generator) do.
     *
     * @throws UnsupportedOperationException always, for inner blocks
     */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " does not trace shapes; ask the network it belongs to");
    }

    /** Runs a one-input, one-output child (scoped as {@code call} on a list). */
    protected static NDArray call(Block b, ParameterStore ps, NDArray x, boolean training) {
        return call(b, ps, new NDList(x), training).singletonOrThrow();
    }

    /**
     * Runs a child; outside training in a memory scope of its own ({@link ScopedForward}), so
     * that its temporaries are freed when it returns. Without it a 512² tile through SD-Turbo's
     * VAE and UNet kept every intermediate array of the pass until the tile was done.
     */
    protected static NDList call(Block b, ParameterStore ps, NDList inputs, boolean training) {
        return ScopedForward.run(inputs, training, in -> b.forward(ps, in, training));
    }

    /** SiLU, {@code x·sigmoid(x)}. */
    protected static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }
}
