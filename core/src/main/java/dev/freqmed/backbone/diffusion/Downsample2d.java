package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * diffusers' {@code Downsample2D} with a convolution: a 3×3 stride-2 {@code conv}. The VAE
 * encoder pads one zero row and column after the input and convolves without padding
 * ({@code padding=0}); the UNet pads one on every side. Output {@code (N, C, ⌈H/2⌉, ⌈W/2⌉)}.
 * Reference: diffusers 0.25 {@code models/downsampling.py} {@code Downsample2D}.
 */
public final class Downsample2d extends SdBlock {

    private final Block conv;
    private final boolean asymmetric;

    /**
     * @param layers     leaf factory
     * @param path       full module name of the downsampler, e.g. {@code ...downsamplers.0}
     * @param channels   channels in and out
     * @param asymmetric the VAE's pad-after-only variant
     */
    public Downsample2d(SdLayers layers, String path, int channels, boolean asymmetric) {
        this.asymmetric = asymmetric;
        conv = add("conv", layers.conv(path + ".conv", channels, channels, 3, 2,
                asymmetric ? 0 : 1, true));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.head();
        if (asymmetric) {
            // F.pad(x, (0, 1, 0, 1)): NDArray.pad lists the last axis first.
            x = x.pad(new Shape(0, 1, 0, 1), 0);
        }
        return new NDList(call(conv, ps, x, training));
    }
}
