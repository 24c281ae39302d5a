package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * diffusers' {@code AutoencoderKL}: {@code encoder}, {@code decoder}, {@code quant_conv}
 * (1×1, {@code 2·latent → 2·latent}) and {@code post_quant_conv} (1×1, {@code latent → latent}).
 * Keys are diffusers' ({@code encoder.down_blocks.0.resnets.0.conv1.weight}, ...).
 *
 * <p>As a block, the forward is a deterministic reconstruction: input {@code (N, in, H, W)}
 * (H, W multiples of the down factor), encoder mean, decoder, output {@code (N, out, H, W)}.
 * The pieces ({@link #encoder()}, {@link #decoder()}, {@link #quantConv()},
 * {@link #postQuantConv()}) are what Diffusion-FFPE's generator composes. Reference: diffusers
 * 0.25 {@code models/autoencoders/autoencoder_kl.py}.
 */
public final class AutoencoderKl extends SdBlock {

    private final AutoencoderKlConfig config;
    private final VaeEncoder encoder;
    private final VaeDecoder decoder;
    private final Block quantConv;
    private final Block postQuantConv;

    /**
     * @param layers    leaf factory (LoRA plan)
     * @param config    sizes
     * @param skipConvs whether the decoder holds Diffusion-FFPE's skip convolutions
     */
    public AutoencoderKl(SdLayers layers, AutoencoderKlConfig config, boolean skipConvs) {
        this.config = config;
        int l = config.latentChannels();
        encoder = add("encoder", new VaeEncoder(layers, "encoder", config));
        decoder = add("decoder", new VaeDecoder(layers, "decoder", config, skipConvs));
        quantConv = add("quant_conv", layers.conv("quant_conv", 2 * l, 2 * l, 1, 1, 0, true));
        postQuantConv = add("post_quant_conv", layers.conv("post_quant_conv", l, l, 1, 1, 0,
                true));
    }

    /** The sizes. */
    public AutoencoderKlConfig config() {
        return config;
    }

    /** The encoder (moments before {@code quant_conv}, then the skips). */
    public VaeEncoder encoder() {
        return encoder;
    }

    /** The decoder. */
    public VaeDecoder decoder() {
        return decoder;
    }

    /** {@code quant_conv}. */
    public Block quantConv() {
        return quantConv;
    }

    /** {@code post_quant_conv}. */
    public Block postQuantConv() {
        return postQuantConv;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.head();
        checkSize(x.getShape(), config.downFactor());
        NDArray moments = call(quantConv, ps,
                call(encoder, ps, new NDList(x), training).head(), training);
        NDArray mean = moments.get(":, :" + config.latentChannels());
        NDArray z = call(postQuantConv, ps, mean, training);
        return new NDList(call(decoder, ps, new NDList(z), training).head());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), config.outChannels(), s.get(2), s.get(3))};
    }

    /**
     * Refuses an input whose sides are not multiples of {@code factor}.
     *
     * @throws IllegalArgumentException naming the factor and the size found
     */
    public static void checkSize(Shape s, int factor) {
        if (s.dimension() != 4 || s.get(2) % factor != 0 || s.get(3) % factor != 0
                || s.get(2) == 0 || s.get(3) == 0) {
            throw new IllegalArgumentException("expected (N, C, H, W) with H and W positive"
                    + " multiples of " + factor + ", found " + s);
        }
    }
}
