package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The VAE's {@code Decoder}: {@code conv_in}, {@code mid_block}, {@code up_blocks}
 * ({@code UpDecoderBlock2D}: {@code layersPerBlock + 1} ResNets, then {@code upsamplers.0} except
 * at the last level), {@code conv_norm_out}, SiLU, {@code conv_out}. With skip convolutions
 * (Diffusion-FFPE, from img2img-turbo) the decoder also holds {@code skip_conv_1..L} (1×1, no
 * bias), and before up block {@code k} adds {@code skip_conv_{k+1}(r_k)} where
 * {@code r_0, r_1, ...} are the encoder skips in reverse order (the gain {@code gamma} is 1).
 *
 * <p>Inputs: the latent after {@code post_quant_conv} {@code (N, latent, h, w)}, then (with skips)
 * the encoder skips in encoder order; output {@code (N, out, h·f, w·f)}, not clamped.
 * Reference: diffusers 0.25 {@code models/vae.py} {@code Decoder}; Diffusion-FFPE
 * {@code my_utils/model_utils.py} {@code my_vae_decoder_fwd}.
 */
public final class VaeDecoder extends SdBlock {

    private final Block convIn;
    private final VaeMidBlock mid;
    private final SdList upBlocks;
    private final Block normOut;
    private final Block convOut;
    private final Block[] skipConvs;

    /**
     * @param layers    leaf factory
     * @param path      full module name ({@code decoder})
     * @param c         sizes
     * @param skipConvs whether to add Diffusion-FFPE's {@code skip_conv_k}
     */
    public VaeDecoder(SdLayers layers, String path, AutoencoderKlConfig c, boolean skipConvs) {
        float eps = AutoencoderKlConfig.EPS;
        int n = c.blockOut().size();
        int top = c.blockOut().get(n - 1);
        convIn = add("conv_in", layers.conv(path + ".conv_in", c.latentChannels(), top, 3, 1, 1,
                true));
        mid = add("mid_block", new VaeMidBlock(layers, path + ".mid_block", top, c.groups()));
        upBlocks = add("up_blocks", new SdList());
        int prev = top;
        int[] upIn = new int[n];
        for (int i = 0; i < n; i++) {
            int out = c.blockOut().get(n - 1 - i);
            upIn[i] = prev;
            upBlocks.append(new UpBlock(layers, path + ".up_blocks." + i, prev, out,
                    c.layersPerBlock() + 1, c.groups(), i < n - 1));
            prev = out;
        }
        normOut = add("conv_norm_out", SdLayers.groupNorm(c.groups(), prev, eps, true));
        convOut = add("conv_out", layers.conv(path + ".conv_out", prev, c.outChannels(), 3, 1, 1,
                true));
        this.skipConvs = skipConvs ? new Block[n] : null;
        if (skipConvs) {
            for (int k = 0; k < n; k++) {
                int level = n - 1 - k;
                String name = "skip_conv_" + (k + 1);
                this.skipConvs[k] = add(name, layers.conv(path + "." + name,
                        c.skipChannels(level), upIn[k], 1, 1, 0, false));
            }
        }
    }

    /** Whether this decoder has skip convolutions. */
    public boolean hasSkips() {
        return skipConvs != null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray h = call(convIn, ps, inputs.get(0), training);
        h = call(mid, ps, h, training);
        int n = upBlocks.size();
        boolean skips = skipConvs != null && inputs.size() > 1;
        if (skipConvs != null && inputs.size() != 1 && inputs.size() != n + 1) {
            throw new IllegalArgumentException("the decoder takes the latent and " + n
                    + " encoder skips, found " + (inputs.size() - 1) + " skips");
        }
        for (int k = 0; k < n; k++) {
            if (skips) {
                NDArray r = inputs.get(1 + (n - 1 - k));
                h = h.add(call(skipConvs[k], ps, r, training));
            }
            h = call(upBlocks.get(k), ps, h, training);
        }
        h = call(convOut, ps, call(normOut, ps, h, training), training);
        return new NDList(h);
    }

    /** {@code UpDecoderBlock2D}: ResNets without time embedding, then an optional upsampler. */
    static final class UpBlock extends SdBlock {
        private final SdList resnets;
        private final Upsample2d up;

        UpBlock(SdLayers layers, String path, int in, int out, int count, int groups,
                boolean upsample) {
            resnets = add("resnets", new SdList());
            for (int j = 0; j < count; j++) {
                resnets.append(new ResnetBlock2d(layers, path + ".resnets." + j, j == 0 ? in : out,
                        out, 0, groups, AutoencoderKlConfig.EPS));
            }
            if (upsample) {
                SdList us = add("upsamplers", new SdList());
                up = us.append(new Upsample2d(layers, path + ".upsamplers.0", out));
            } else {
                up = null;
            }
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray h = inputs.head();
            for (int j = 0; j < resnets.size(); j++) {
                h = call(resnets.get(j), ps, h, training);
            }
            return new NDList(up == null ? h : call(up, ps, h, training));
        }
    }
}
