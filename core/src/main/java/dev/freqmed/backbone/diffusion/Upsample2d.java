package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * diffusers' {@code Upsample2D} with a convolution: nearest-neighbour ×2
 * ({@code F.interpolate(scale_factor=2.0, mode="nearest")}, each pixel repeated twice along each
 * axis) followed by a 3×3 {@code conv} with padding 1. Output {@code (N, C, 2H, 2W)}.
 * Reference: diffusers 0.25 {@code models/upsampling.py} {@code Upsample2D}.
 */
public final class Upsample2d extends SdBlock {

    private final Block conv;

    /**
     * @param layers   leaf factory
     * @param path     full module name of the upsampler
     * @param channels channels in and out
     */
    public Upsample2d(SdLayers layers, String path, int channels) {
        conv = add("conv", layers.conv(path + ".conv", channels, channels, 3, 1, 1, true));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.head().repeat(2, 2).repeat(3, 2);
        return new NDList(call(conv, ps, x, training));
    }
}
