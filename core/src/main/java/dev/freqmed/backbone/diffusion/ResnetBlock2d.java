package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * diffusers' {@code ResnetBlock2D}: {@code h = conv1(SiLU(norm1(x)))}, plus
 * {@code time_emb_proj(SiLU(temb))} per channel when a time embedding is used,
 * {@code h = conv2(SiLU(norm2(h)))}, output {@code shortcut(x) + h}, where the shortcut is
 * {@code conv_shortcut} (1×1) when the channel count changes. Dropout is 0 in SD, so it is left
 * out. Reference: diffusers 0.25 {@code models/resnet.py} {@code ResnetBlock2D.forward}.
 *
 * <p>Inputs: {@code x (N, in, H, W)} and, with a time embedding, {@code temb (N, T)}; output
 * {@code (N, out, H, W)}.
 */
public final class ResnetBlock2d extends SdBlock {

    private final Block norm1;
    private final Block conv1;
    private final Block timeEmbProj;
    private final Block norm2;
    private final Block conv2;
    private final Block shortcut;

    /**
     * @param layers        leaf factory
     * @param path          full module name, e.g. {@code down_blocks.0.resnets.0}
     * @param in            input channels
     * @param out           output channels
     * @param tembChannels  time-embedding width, 0 for none (the VAE)
     * @param groups        GroupNorm groups
     * @param eps           GroupNorm epsilon
     */
    public ResnetBlock2d(SdLayers layers, String path, int in, int out, int tembChannels,
            int groups, float eps) {
        norm1 = add("norm1", SdLayers.groupNorm(groups, in, eps, true));
        conv1 = add("conv1", layers.conv(path + ".conv1", in, out, 3, 1, 1, true));
        timeEmbProj = tembChannels > 0
                ? add("time_emb_proj", layers.linear(path + ".time_emb_proj", tembChannels, out,
                        true))
                : null;
        norm2 = add("norm2", SdLayers.groupNorm(groups, out, eps, true));
        conv2 = add("conv2", layers.conv(path + ".conv2", out, out, 3, 1, 1, true));
        shortcut = in != out
                ? add("conv_shortcut", layers.conv(path + ".conv_shortcut", in, out, 1, 1, 0,
                        true))
                : null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray h = call(conv1, ps, call(norm1, ps, x, training), training);
        if (timeEmbProj != null) {
            NDArray t = call(timeEmbProj, ps, silu(inputs.get(1)), training);
            h = h.add(t.expandDims(2).expandDims(3));
        }
        h = call(conv2, ps, call(norm2, ps, h, training), training);
        NDArray s = shortcut == null ? x : call(shortcut, ps, x, training);
        return new NDList(s.add(h));
    }
}
