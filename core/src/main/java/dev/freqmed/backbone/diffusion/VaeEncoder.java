package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The VAE's {@code Encoder}: {@code conv_in}, {@code down_blocks} ({@code DownEncoderBlock2D}:
 * ResNets, then a stride-2 {@code downsamplers.0} except at the last level), {@code mid_block},
 * {@code conv_norm_out}, SiLU, {@code conv_out} to {@code 2·latent} channels (mean and
 * log-variance, before {@code quant_conv}).
 *
 * <p>Input {@code (N, in, H, W)}, H and W multiples of {@link AutoencoderKlConfig#downFactor()}.
 * Output: the moments {@code (N, 2·latent, H/f, W/f)} followed by the inputs of every down block
 * (the skip activations Diffusion-FFPE's decoder uses: {@code conv_in}'s output, then the output
 * of down blocks 0, 1, ...). Reference: diffusers 0.25 {@code models/vae.py} {@code Encoder};
 * Diffusion-FFPE {@code my_utils/model_utils.py} (the patched encoder forward recording skips).
 */
public final class VaeEncoder extends SdBlock {

    private final Block convIn;
    private final SdList downBlocks;
    private final VaeMidBlock mid;
    private final Block normOut;
    private final Block convOut;

    /**
     * @param layers leaf factory
     * @param path   full module name ({@code encoder})
     * @param c      sizes
     */
    public VaeEncoder(SdLayers layers, String path, AutoencoderKlConfig c) {
        float eps = AutoencoderKlConfig.EPS;
        int n = c.blockOut().size();
        convIn = add("conv_in", layers.conv(path + ".conv_in", c.inChannels(),
                c.blockOut().get(0), 3, 1, 1, true));
        downBlocks = add("down_blocks", new SdList());
        int prev = c.blockOut().get(0);
        for (int i = 0; i < n; i++) {
            int out = c.blockOut().get(i);
            downBlocks.append(new DownBlock(layers, path + ".down_blocks." + i, prev, out,
                    c.layersPerBlock(), c.groups(), i < n - 1));
            prev = out;
        }
        mid = add("mid_block", new VaeMidBlock(layers, path + ".mid_block", prev, c.groups()));
        normOut = add("conv_norm_out", SdLayers.groupNorm(c.groups(), prev, eps, true));
        convOut = add("conv_out", layers.conv(path + ".conv_out", prev, 2 * c.latentChannels(),
                3, 1, 1, true));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray h = call(convIn, ps, inputs.head(), training);
        NDList skips = new NDList();
        for (int i = 0; i < downBlocks.size(); i++) {
            skips.add(h);
            h = call(downBlocks.get(i), ps, h, training);
        }
        h = call(mid, ps, h, training);
        h = call(convOut, ps, call(normOut, ps, h, training), training);
        NDList out = new NDList(h);
        out.addAll(skips);
        return out;
    }

    /** {@code DownEncoderBlock2D}: ResNets without time embedding, then an optional downsampler. */
    static final class DownBlock extends SdBlock {
        private final SdList resnets;
        private final Downsample2d down;

        DownBlock(SdLayers layers, String path, int in, int out, int count, int groups,
                boolean downsample) {
            resnets = add("resnets", new SdList());
            for (int j = 0; j < count; j++) {
                resnets.append(new ResnetBlock2d(layers, path + ".resnets." + j, j == 0 ? in : out,
                        out, 0, groups, AutoencoderKlConfig.EPS));
            }
            if (downsample) {
                SdList ds = add("downsamplers", new SdList());
                down = ds.append(new Downsample2d(layers, path + ".downsamplers.0", out, true));
            } else {
                down = null;
            }
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray h = inputs.head();
            for (int j = 0; j < resnets.size(); j++) {
                h = call(resnets.get(j), ps, h, training);
            }
            return new NDList(down == null ? h : call(down, ps, h, training));
        }
    }
}
