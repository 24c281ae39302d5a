package dev.freqmed.model.diffusionffpe;

import dev.freqmed.backbone.diffusion.AutoencoderKlConfig;
import dev.freqmed.backbone.diffusion.UNet2dConditionConfig;
import dev.freqmed.config.Configs;
import dev.freqmed.config.FileSettings;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The Diffusion-FFPE configuration (spec §2, §4): generator sizes, LoRA ranks, the discriminator's
 * ViT and head, and the loss weights of the generator/discriminator step.
 *
 * @param imageSize          side of the square training tile and of the default inference window,
 *                           a multiple of {@link #stride()}
 * @param patchGrid          tiles per side of the local view (4)
 * @param vaeChannels        VAE level widths (SD: 128, 256, 512, 512)
 * @param vaeLayers          ResNets per VAE encoder block (2)
 * @param groups             GroupNorm groups (32)
 * @param unetChannels       UNet level widths (SD-Turbo: 320, 640, 1280, 1280)
 * @param unetLayers         ResNets per UNet down block (2)
 * @param unetHeads          attention heads per level (5, 10, 20, 20)
 * @param unetAttention      cross-attention per down level (true, true, true, false)
 * @param crossDim           prompt-embedding width (1024)
 * @param promptTokens       prompt length (77)
 * @param unetRank           UNet LoRA rank (128)
 * @param unetAlpha          UNet LoRA alpha (128, scale 1)
 * @param vaeRank            VAE LoRA rank (4)
 * @param vaeAlpha           VAE LoRA alpha (8: PEFT's default, scale 2)
 * @param vitImage           discriminator input side after the area resize (224)
 * @param vitPatch           ViT patch side (16)
 * @param vitDim             ViT width (768)
 * @param vitDepth           ViT blocks (12)
 * @param vitHeads           ViT heads (12)
 * @param vitLevels          1-based blocks whose tokens feed the head (5, 9, 12; the last is also
 *                           the global feature)
 * @param discChannels       head width (128)
 * @param lambdaGan          GAN weight (0.5)
 * @param lambdaCycle        cycle L1 weight (1)
 * @param lambdaIdentity     identity L1 weight (1)
 * @param clipNorm           gradient-norm clip of every optimiser step (10)
 * @param discLearningRate   AdamW learning rate of the discriminators (5e-6)
 * @param discWeightDecay    AdamW weight decay of the discriminators (1e-2)
 * @param trainBase          false: as the paper, only the LoRA adapters, the UNet's
 *                           {@code conv_in} and the discriminator heads train and every other
 *                           generator weight keeps its loaded value; true: the base weights of the
 *                           UNet and of both translation VAEs (skip convolutions included) train
 *                           too, for small configs that start from random weights, where a frozen
 *                           random autoencoder cannot reproduce its input (the local-view encoders
 *                           and the ViT trunk stay frozen either way)
 * @param lpips              the LPIPS-VGG weights, two files: torchvision's VGG16
 *                           ({@code vgg16-397923af.pth}) and the lpips package's v0.1
 *                           {@code vgg.pth} (a training config resolves them against the
 *                           working folder, else the config's folder); null or empty leaves the
 *                           LPIPS terms out (a DEVIATION)
 * @param lambdaCycleLpips   cycle LPIPS weight (10), used with {@code lpips}
 * @param lambdaIdentityLpips identity LPIPS weight (1), used with {@code lpips}
 */
public record DiffusionFfpeConfig(
        int imageSize,
        int patchGrid,
        List<Integer> vaeChannels,
        int vaeLayers,
        int groups,
        List<Integer> unetChannels,
        int unetLayers,
        List<Integer> unetHeads,
        List<Boolean> unetAttention,
        int crossDim,
        int promptTokens,
        int unetRank,
        double unetAlpha,
        int vaeRank,
        double vaeAlpha,
        int vitImage,
        int vitPatch,
        int vitDim,
        int vitDepth,
        int vitHeads,
        List<Integer> vitLevels,
        int discChannels,
        double lambdaGan,
        double lambdaCycle,
        double lambdaIdentity,
        double clipNorm,
        double discLearningRate,
        double discWeightDecay,
        boolean trainBase,
        List<String> lpips,
        double lambdaCycleLpips,
        double lambdaIdentityLpips) implements FileSettings<DiffusionFfpeConfig> {

    /** Validates every field; the message names the offending one. */
    public DiffusionFfpeConfig {
        vae(vaeChannels, vaeLayers, groups);
        new UNet2dConditionConfig(4, 4, unetChannels, unetLayers, unetHeads, unetAttention,
                crossDim, groups);
        if (patchGrid < 1) {
            throw bad("patchGrid", "positive", patchGrid);
        }
        int stride = stride(vaeChannels.size(), unetChannels.size(), patchGrid);
        if (imageSize < stride || imageSize % stride != 0) {
            throw bad("imageSize", "a positive multiple of the stride " + stride, imageSize);
        }
        if (promptTokens < 1 || unetRank < 1 || vaeRank < 1 || !(unetAlpha > 0)
                || !(vaeAlpha > 0)) {
            throw bad("promptTokens/unetRank/vaeRank/unetAlpha/vaeAlpha", "positive",
                    promptTokens + "/" + unetRank + "/" + vaeRank + "/" + unetAlpha + "/"
                            + vaeAlpha);
        }
        if (vitPatch < 1 || vitImage % vitPatch != 0) {
            throw bad("vitImage", "a multiple of vitPatch " + vitPatch, vitImage);
        }
        int grid = vitImage / vitPatch;
        // BlurPool(pad 2) → 3×3 stride 2 → BlurPool(pad 1) → 1×1 stride 2 needs a grid ≥ 5.
        if (grid < 5) {
            throw bad("vitImage/vitPatch", "a token grid of at least 5×5 for the head", grid);
        }
        if (vitDim < 1 || vitHeads < 1 || vitDim % vitHeads != 0 || vitDepth < 1) {
            throw bad("vitDim/vitHeads/vitDepth", "positive, width divisible by heads",
                    vitDim + "/" + vitHeads + "/" + vitDepth);
        }
        vitLevels = List.copyOf(vitLevels);
        if (vitLevels.size() != 3 || vitLevels.stream().anyMatch(l -> l < 1 || l > vitDepth)) {
            throw bad("vitLevels", "three 1-based block indices up to vitDepth " + vitDepth,
                    vitLevels);
        }
        if (discChannels < 1) {
            throw bad("discChannels", "positive", discChannels);
        }
        if (!(lambdaGan >= 0) || !(lambdaCycle >= 0) || !(lambdaIdentity >= 0)) {
            throw bad("lambdaGan/lambdaCycle/lambdaIdentity", "non-negative",
                    lambdaGan + "/" + lambdaCycle + "/" + lambdaIdentity);
        }
        lpips = lpips == null ? List.of() : List.copyOf(lpips);
        if (!lpips.isEmpty() && lpips.size() != 2) {
            throw bad("lpips", "two files (torchvision's vgg16 and LPIPS's v0.1 vgg.pth)",
                    lpips);
        }
        if (!(lambdaCycleLpips >= 0) || !(lambdaIdentityLpips >= 0)) {
            throw bad("lambdaCycleLpips/lambdaIdentityLpips", "non-negative",
                    lambdaCycleLpips + "/" + lambdaIdentityLpips);
        }
        if (!(clipNorm > 0) || !(discLearningRate > 0) || !(discWeightDecay >= 0)) {
            throw bad("clipNorm/discLearningRate/discWeightDecay", "positive (decay >= 0)",
                    clipNorm + "/" + discLearningRate + "/" + discWeightDecay);
        }
    }

    /** The LPIPS-VGG files. */
    @Override
    public List<String> files() {
        return lpips;
    }

    /** The same config with the LPIPS-VGG files resolved. */
    @Override
    public DiffusionFfpeConfig withFiles(UnaryOperator<String> resolve) {
        if (lpips.isEmpty()) {
            return this;
        }
        return Configs.merge(this, Map.of("lpips", lpips.stream().map(resolve).toList()),
                "model");
    }

    private static IllegalArgumentException bad(String field, String expected, Object found) {
        return new IllegalArgumentException("DiffusionFfpeConfig." + field + ": expected "
                + expected + ", found " + found);
    }

    private static AutoencoderKlConfig vae(List<Integer> channels, int layers, int groups) {
        return new AutoencoderKlConfig(3, 3, 4, channels, layers, groups, 0.18215);
    }

    private static int stride(int vaeLevels, int unetLevels, int grid) {
        int vae = 1 << (vaeLevels - 1);
        int whole = vae * (1 << (unetLevels - 1));
        int local = grid * vae;
        int a = whole;
        int b = local;
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return whole / a * local;
    }

    /**
     * The paper's generator at SD-Turbo size and its CONCH-sized discriminator, trained at 512².
     * The LPIPS terms of the cycle (×10) and identity (×1) losses need the LPIPS-VGG16 weights
     * ({@code lpips}, two files the user supplies); without them they are left out (DEVIATION)
     * and the L1 terms are kept.
     */
    public static DiffusionFfpeConfig paper() {
        return new DiffusionFfpeConfig(512, 4, List.of(128, 256, 512, 512), 2, 32,
                List.of(320, 640, 1280, 1280), 2, List.of(5, 10, 20, 20),
                List.of(true, true, true, false), 1024, 77, 128, 128, 4, 8, 224, 16, 768, 12,
                12, List.of(5, 9, 12), 128, 0.5, 1, 1, 10, 5e-6, 1e-2, false, List.of(), 10, 1);
    }

    /**
     * A CPU-sized model with the paper's topology (spec §9): 64² tiles, VAE and UNet widths
     * (32, 64, 64, 64), one ResNet and attention per UNet level, 8 prompt tokens of width 64, a
     * 4-block ViT of width 64 on 8-px patches.
     */
    public static DiffusionFfpeConfig tiny() {
        return new DiffusionFfpeConfig(64, 4, List.of(32, 64, 64, 64), 1, 8,
                List.of(32, 64, 64, 64), 1, List.of(1, 2, 2, 2), List.of(true, true, true, false),
                64, 8, 8, 8, 4, 8, 64, 8, 64, 4, 4, List.of(2, 3, 4), 32, 0.5, 1, 1, 10, 1e-4,
                1e-2, false, List.of(), 10, 1);
    }

    /** The VAE sizes. */
    public AutoencoderKlConfig vae() {
        return vae(vaeChannels, vaeLayers, groups);
    }

    /** The UNet sizes. */
    public UNet2dConditionConfig unet() {
        return new UNet2dConditionConfig(4, 4, unetChannels, unetLayers, unetHeads,
                unetAttention, crossDim, groups);
    }

    /**
     * Input sides must be multiples of this: the VAE and UNet down-sampling together, and the
     * local view's tiles a multiple of the VAE's factor.
     */
    public int stride() {
        return stride(vaeChannels.size(), unetChannels.size(), patchGrid);
    }
}
