package dev.freqmed.model.diffusionffpe;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.backbone.diffusion.SdBlock;
import dev.freqmed.backbone.diffusion.SdLayers;

/**
 * A named level of the key tree without a forward of its own (its owner calls the leaves), e.g.
 * {@code patch_embed} holding {@code proj}, or an activation slot of an {@code nn.Sequential}.
 */
final class Container extends SdBlock {

    Block put(String name, SdLayers.Layer layer) {
        return add(name, layer);
    }

    <T extends SdBlock> T put(String name, T block) {
        return add(name, block);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException("called through its owner");
    }
}
