package dev.freqmed.backbone.diffusion;

import java.util.List;

/**
 * Sizes of a diffusers {@code UNet2DConditionModel} in the SD 2.x layout: down blocks
 * {@code CrossAttnDownBlock2D} where {@code crossAttention} is true and {@code DownBlock2D}
 * elsewhere, a {@code UNetMidBlock2DCrossAttn}, up blocks mirroring the down blocks, linear
 * {@code proj_in}/{@code proj_out}, GEGLU feed-forward, one transformer layer per attention.
 *
 * @param inChannels      latent channels in (4)
 * @param outChannels     channels out (4)
 * @param blockOut        channels per level (SD: 320, 640, 1280, 1280)
 * @param layersPerBlock  ResNets per down block (2); up blocks have one more
 * @param heads           attention heads per level (SD 2.1: 5, 10, 20, 20, i.e. 64-wide heads)
 * @param crossAttention  whether each down level has attention (SD: true, true, true, false);
 *                        up levels mirror it
 * @param crossDim        width of the text context (1024)
 * @param groups          GroupNorm groups (32)
 */
public record UNet2dConditionConfig(int inChannels, int outChannels, List<Integer> blockOut,
        int layersPerBlock, List<Integer> heads, List<Boolean> crossAttention, int crossDim,
        int groups) {

    /** GroupNorm epsilon of the UNet's ResNets and output norm. */
    public static final float EPS = 1e-5f;

    /** Validates every field; the message names the offending one. */
    public UNet2dConditionConfig {
        if (blockOut == null || blockOut.size() < 2) {
            throw new IllegalArgumentException("UNet2dConditionConfig.blockOut: expected at"
                    + " least two levels, found " + blockOut);
        }
        blockOut = List.copyOf(blockOut);
        heads = List.copyOf(heads);
        crossAttention = List.copyOf(crossAttention);
        if (heads.size() != blockOut.size() || crossAttention.size() != blockOut.size()) {
            throw new IllegalArgumentException("UNet2dConditionConfig: heads " + heads
                    + " and crossAttention " + crossAttention + " need one entry per level of "
                    + blockOut);
        }
        for (int i = 0; i < blockOut.size(); i++) {
            int c = blockOut.get(i);
            if (c < 1 || groups < 1 || c % groups != 0 || heads.get(i) < 1
                    || c % heads.get(i) != 0) {
                throw new IllegalArgumentException("UNet2dConditionConfig: level " + i + " has "
                        + c + " channels, which must be a positive multiple of groups " + groups
                        + " and of heads " + heads.get(i));
            }
        }
        if (inChannels < 1 || outChannels < 1 || layersPerBlock < 1 || crossDim < 1) {
            throw new IllegalArgumentException("UNet2dConditionConfig: inChannels, outChannels,"
                    + " layersPerBlock and crossDim must be positive, found " + inChannels + ", "
                    + outChannels + ", " + layersPerBlock + ", " + crossDim);
        }
    }

    /** SD-Turbo's UNet (the SD 2.1 architecture). */
    public static UNet2dConditionConfig sdTurbo() {
        return new UNet2dConditionConfig(4, 4, List.of(320, 640, 1280, 1280), 2,
                List.of(5, 10, 20, 20), List.of(true, true, true, false), 1024, 32);
    }

    /** Width of the time embedding MLP, 4 × the first level. */
    public int timeEmbedDim() {
        return 4 * blockOut.get(0);
    }

    /** Total down-sampling factor, {@code 2^(levels-1)}. */
    public int downFactor() {
        return 1 << (blockOut.size() - 1);
    }
}
