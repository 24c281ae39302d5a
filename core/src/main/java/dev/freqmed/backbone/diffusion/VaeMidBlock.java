package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The VAE's {@code UNetMidBlock2D}: {@code resnets.0}, {@code attentions.0} (one head,
 * GroupNorm, residual), {@code resnets.1}, all at the same channel count and size.
 * Reference: diffusers 0.25 {@code models/unet_2d_blocks.py} {@code UNetMidBlock2D}.
 */
public final class VaeMidBlock extends SdBlock {

    private final SdList resnets;
    private final SdList attentions;

    /**
     * @param layers   leaf factory
     * @param path     full module name ({@code encoder.mid_block})
     * @param channels channels in and out
     * @param groups   GroupNorm groups
     */
    public VaeMidBlock(SdLayers layers, String path, int channels, int groups) {
        float eps = AutoencoderKlConfig.EPS;
        resnets = new SdList();
        attentions = new SdList();
        add("attentions", attentions);
        add("resnets", resnets);
        resnets.append(new ResnetBlock2d(layers, path + ".resnets.0", channels, channels, 0,
                groups, eps));
        attentions.append(AttentionBlock.vae(layers, path + ".attentions.0", channels, groups,
                eps));
        resnets.append(new ResnetBlock2d(layers, path + ".resnets.1", channels, channels, 0,
                groups, eps));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray h = call(resnets.get(0), ps, inputs.head(), training);
        h = call(attentions.get(0), ps, h, training);
        return new NDList(call(resnets.get(1), ps, h, training));
    }
}
