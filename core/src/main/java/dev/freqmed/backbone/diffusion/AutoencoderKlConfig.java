package dev.freqmed.backbone.diffusion;

import java.util.List;

/**
 * Sizes of a diffusers {@code AutoencoderKL}.
 *
 * @param inChannels     image channels in (3)
 * @param outChannels    image channels out (3)
 * @param latentChannels latent channels (4); the encoder emits twice as many (mean, log-variance)
 * @param blockOut       channels of each encoder level, decoder reversed (SD: 128, 256, 512, 512)
 * @param layersPerBlock ResNets per encoder block (2); decoder blocks have one more
 * @param groups         GroupNorm groups (32), dividing every channel count
 * @param scalingFactor  latent scaling factor (SD: 0.18215)
 */
public record AutoencoderKlConfig(int inChannels, int outChannels, int latentChannels,
        List<Integer> blockOut, int layersPerBlock, int groups, double scalingFactor) {

    /** GroupNorm epsilon of the SD VAE. */
    public static final float EPS = 1e-6f;

    /** Validates every field; the message names the offending one. */
    public AutoencoderKlConfig {
        if (inChannels < 1 || outChannels < 1 || latentChannels < 1) {
            throw new IllegalArgumentException("AutoencoderKlConfig: channel counts must be"
                    + " positive, found in " + inChannels + ", out " + outChannels + ", latent "
                    + latentChannels);
        }
        if (blockOut == null || blockOut.size() < 2) {
            throw new IllegalArgumentException("AutoencoderKlConfig.blockOut: expected at least"
                    + " two levels, found " + blockOut);
        }
        blockOut = List.copyOf(blockOut);
        for (int c : blockOut) {
            if (c < 1 || groups < 1 || c % groups != 0) {
                throw new IllegalArgumentException("AutoencoderKlConfig.blockOut: every level"
                        + " must be a positive multiple of groups " + groups + ", found "
                        + blockOut);
            }
        }
        if (layersPerBlock < 1) {
            throw new IllegalArgumentException("AutoencoderKlConfig.layersPerBlock: expected"
                    + " at least 1, found " + layersPerBlock);
        }
        if (!(scalingFactor > 0)) {
            throw new IllegalArgumentException("AutoencoderKlConfig.scalingFactor: expected"
                    + " positive, found " + scalingFactor);
        }
    }

    /** The Stable Diffusion (SD-Turbo, SD 2.1) VAE. */
    public static AutoencoderKlConfig sd() {
        return new AutoencoderKlConfig(3, 3, 4, List.of(128, 256, 512, 512), 2, 32, 0.18215);
    }

    /** Total down-sampling factor between image and latent, {@code 2^(levels-1)}. */
    public int downFactor() {
        return 1 << (blockOut.size() - 1);
    }

    /** Channels of encoder skip {@code level} (the input of down block {@code level}). */
    public int skipChannels(int level) {
        return blockOut.get(Math.max(0, level - 1));
    }
}
