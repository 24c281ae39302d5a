package dev.freqmed.model.fpnunet;

import dev.freqmed.backbone.VitEncoderConfig;
import dev.freqmed.post.HoverPostProcessor;
import java.util.List;

/**
 * FPNuNet configuration: encoder sizes, neck and decoder widths, type count and the loss weights
 * (spec §3–§6). The optimiser, schedule and batch size live in the training config.
 *
 * @param inputSize      training patch side in pixels, a multiple of 8 (128)
 * @param sam            the SAM-style encoder (ViT-B/8 in the paper)
 * @param uni            the UNI-style encoder (ViT-L/8; width a multiple of 64 and three hooks,
 *                       because of the raw skip reshape of §4.4)
 * @param fusionChannels neck output width {@code F}; decoder stage widths are F/2, F/4, F/8 (256)
 * @param pixelChannels  width of the neck's multi-scale and wavelet branches (16)
 * @param pixelInter     hidden width of the multi-scale branch (64)
 * @param headChannels   hidden width of the output heads (32)
 * @param attentionHeads heads of the decoders' attention (4)
 * @param promptLength   prompt tokens per type-decoder stage (6)
 * @param numTypes       type channels including background (9 for CD47, 5 for CoNSeP)
 * @param highPassRate   the adapters' {@code freq_nums} (0.25)
 * @param queryChunk     queries per attention chunk in the decoders on the explicit attention
 *                       path (0 = no chunking; the fused kernel needs none)
 * @param classWeights   per-type loss weights {@code loss.tp.class_weights}, {@code numTypes}
 *                       values, entry 0 (background) unused
 * @param boundaryWeight weight of the boundary term in the NP loss (0.5)
 * @param minHvArea      instances smaller than this (pixels) get no HV target (30)
 * @param tileMargin     overlap tiled inference must use, in pixels (half the input side)
 * @param patchStep      step between training patches cut from a tile (half the input side,
 *                       as the reference's 128/64 extraction)
 * @param randomPatches  0: the patch grid above (the reference); n > 0: every epoch draws n
 *                       patches per tile at random corners instead (validation: n fixed corners
 *                       per tile), so that an epoch over many tiles stays short
 * @param trainEncoders  false: both encoders frozen as released (SAM without gradient, UNI
 *                       trained only through its prompt adapter, hooks detached); true: both
 *                       encoders and the hooks train (for random encoders at reduced scale)
 * @param keyGrid        0: the decoders' fusion attentions attend over every pixel of the skip
 *                       map (the reference); g > 0: keys and values of the HV unified fusions
 *                       and the type fusions are average-pooled to at most g × g tokens
 * @param normalization  {@code pixel-minus-one}: the released scaling (mean = std = 1, the
 *                       network sees 0..255 minus one, spec §1.5); {@code imagenet}: pixel / 255
 *                       then ImageNet mean and standard deviation (the "fixed" port)
 * @param pixelSkip      false: the decoders' last stage sees only the raw-reshaped UNI map k2'
 *                       (the reference); true: the neck's full-resolution multi-scale map MS
 *                       ({@code pixelChannels} wide) is concatenated to k2', so that the last
 *                       stage sees the image itself (for random encoders at reduced scale)
 * @param colorStem      {@code off}: no colour-fusion stem (the released network); {@code rgb}:
 *                       the paper's stain-conditioned RGB + HED stem ({@link ColorFusionStemBlock})
 *                       replaces the input of both encoders and the neck; {@code hed}: the same,
 *                       with the stem's RGB branch fed the HED channels as the reference module
 *                       does
 * @param stain          {@code he} (H&amp;E) or {@code ihc} (haematoxylin and DAB): the stem's
 *                       stain flag, which picks its H/E/DAB weights (unused without a stem)
 * @param post           the instance post-processing (spec §7.2; HoVer-Net's values by default)
 */
public record FpnuNetConfig(
        int inputSize,
        VitEncoderConfig sam,
        VitEncoderConfig uni,
        int fusionChannels,
        int pixelChannels,
        int pixelInter,
        int headChannels,
        int attentionHeads,
        int promptLength,
        int numTypes,
        double highPassRate,
        int queryChunk,
        List<Double> classWeights,
        double boundaryWeight,
        int minHvArea,
        int tileMargin,
        int patchStep,
        int randomPatches,
        boolean trainEncoders,
        int keyGrid,
        String normalization,
        boolean pixelSkip,
        String colorStem,
        String stain,
        HoverPostProcessor.Settings post) {

    /** The released input scaling: pixel values minus one. */
    public static final String PIXEL_MINUS_ONE = "pixel-minus-one";
    /** Pixel / 255, then ImageNet mean and standard deviation. */
    public static final String IMAGENET = "imagenet";

    /** No colour-fusion stem (the released network). */
    public static final String COLOR_STEM_OFF = "off";
    /** The colour-fusion stem with its RGB branch on the RGB channels (the paper). */
    public static final String COLOR_STEM_RGB = "rgb";
    /** The colour-fusion stem with its RGB branch on the HED channels (the reference module). */
    public static final String COLOR_STEM_HED = "hed";
    /** Haematoxylin and eosin. */
    public static final String STAIN_HE = "he";
    /** Immunohistochemistry: haematoxylin and DAB. */
    public static final String STAIN_IHC = "ihc";

    /** Validates every field, naming the offending one. */
    public FpnuNetConfig {
        classWeights = List.copyOf(classWeights);
        if (post == null) {
            post = HoverPostProcessor.Settings.defaults();
        }
        if (sam == null || uni == null) {
            throw new IllegalArgumentException("sam and uni encoder sizes are required");
        }
        if (sam.patchSize() != uni.patchSize()) {
            throw new IllegalArgumentException("sam.patchSize and uni.patchSize must agree, found "
                    + sam.patchSize() + " and " + uni.patchSize());
        }
        if (sam.patchSize() != FpnuNet.STRIDE) {
            // The three ×2 decoder stages bring the token grid back to the input size only
            // for 8×8 patches.
            throw new IllegalArgumentException("patchSize must be " + FpnuNet.STRIDE
                    + " (the decoders upsample the token grid 8×), found " + sam.patchSize());
        }
        if (inputSize < FpnuNet.STRIDE || inputSize % FpnuNet.STRIDE != 0) {
            throw new IllegalArgumentException("inputSize must be a positive multiple of "
                    + FpnuNet.STRIDE + ", found " + inputSize);
        }
        if (uni.embedDim() % 64 != 0 || uni.hookBlocks().size() != 3) {
            throw new IllegalArgumentException("uni.embedDim must be a multiple of 64 and"
                    + " uni.hookBlocks must list 3 blocks, found " + uni.embedDim() + " and "
                    + uni.hookBlocks());
        }
        if (fusionChannels < 8 || fusionChannels % 8 != 0
                || (fusionChannels / 8) % attentionHeads != 0) {
            throw new IllegalArgumentException("fusionChannels must be a multiple of 8 whose"
                    + " eighth is divisible by attentionHeads, found " + fusionChannels);
        }
        if (pixelChannels < 1 || pixelInter < 1 || headChannels < 1 || attentionHeads < 1
                || promptLength < 1 || queryChunk < 0) {
            throw new IllegalArgumentException("pixelChannels, pixelInter, headChannels,"
                    + " attentionHeads and promptLength must be positive and queryChunk >= 0");
        }
        if (numTypes < 2 || classWeights.size() != numTypes) {
            throw new IllegalArgumentException("numTypes must be >= 2 with one class weight"
                    + " each, found numTypes=" + numTypes + " and " + classWeights.size()
                    + " weights");
        }
        if (!(highPassRate > 0 && highPassRate <= 1)) {
            throw new IllegalArgumentException("highPassRate must be in (0, 1], found "
                    + highPassRate);
        }
        if (patchStep < 1) {
            throw new IllegalArgumentException("patchStep must be >= 1, found " + patchStep);
        }
        if (!PIXEL_MINUS_ONE.equals(normalization) && !IMAGENET.equals(normalization)) {
            throw new IllegalArgumentException("normalization must be " + PIXEL_MINUS_ONE
                    + " or " + IMAGENET + ", found '" + normalization + "'");
        }
        if (colorStem == null || "false".equals(colorStem)) {
            // YAML 1.1 reads an unquoted "off" as the boolean false.
            colorStem = COLOR_STEM_OFF;
        }
        if (stain == null) {
            stain = STAIN_HE;
        }
        if (!List.of(COLOR_STEM_OFF, COLOR_STEM_RGB, COLOR_STEM_HED).contains(colorStem)) {
            throw new IllegalArgumentException("colorStem must be " + COLOR_STEM_OFF + ", "
                    + COLOR_STEM_RGB + " or " + COLOR_STEM_HED + ", found '" + colorStem + "'");
        }
        if (!STAIN_HE.equals(stain) && !STAIN_IHC.equals(stain)) {
            throw new IllegalArgumentException("stain must be " + STAIN_HE + " or " + STAIN_IHC
                    + ", found '" + stain + "'");
        }
        if (randomPatches < 0 || keyGrid < 0) {
            throw new IllegalArgumentException("randomPatches and keyGrid must be >= 0, found "
                    + randomPatches + " and " + keyGrid);
        }
        if (!(boundaryWeight >= 0) || minHvArea < 0 || tileMargin < 0) {
            throw new IllegalArgumentException("boundaryWeight, minHvArea and tileMargin must be"
                    + " >= 0");
        }
    }

    /** Skip-map widths {@code k0, k1, k2} from the raw reshape: D/4, D/16, D/64. */
    public int[] skipChannels() {
        int d = uni.embedDim();
        return new int[] {d / 4, d / 16, d / 64};
    }

    /**
     * Skip widths the decoders see: {@link #skipChannels()}, the last one widened by
     * {@code pixelChannels} when {@code pixelSkip} is set.
     */
    public int[] decoderSkipChannels() {
        int[] s = skipChannels();
        if (pixelSkip) {
            s[2] += pixelChannels;
        }
        return s;
    }

    /** The same configuration with {@code pixelSkip} set as given. */
    public FpnuNetConfig withPixelSkip(boolean on) {
        return new FpnuNetConfig(inputSize, sam, uni, fusionChannels, pixelChannels, pixelInter,
                headChannels, attentionHeads, promptLength, numTypes, highPassRate, queryChunk,
                classWeights, boundaryWeight, minHvArea, tileMargin, patchStep, randomPatches,
                trainEncoders, keyGrid, normalization, on, colorStem, stain, post);
    }

    /** The same configuration with the colour-fusion stem set as given. */
    public FpnuNetConfig withColorStem(String mode, String stainName) {
        return new FpnuNetConfig(inputSize, sam, uni, fusionChannels, pixelChannels, pixelInter,
                headChannels, attentionHeads, promptLength, numTypes, highPassRate, queryChunk,
                classWeights, boundaryWeight, minHvArea, tileMargin, patchStep, randomPatches,
                trainEncoders, keyGrid, normalization, pixelSkip, mode, stainName, post);
    }

    /** Whether the colour-fusion stem is built. */
    public boolean hasColorStem() {
        return !COLOR_STEM_OFF.equals(colorStem);
    }

    /**
     * The released network: SAM ViT-B and UNI ViT-L at 8×8 patches on 128 px, CD47's 8 types
     * plus background and the reference's type weights.
     */
    public static FpnuNetConfig paper() {
        return new FpnuNetConfig(128,
                new VitEncoderConfig(768, 12, 12, 3072, 8, 16, 14, List.of(2, 5, 8, 11), 1,
                        List.of(), 32, 1024),
                new VitEncoderConfig(1024, 24, 16, 4096, 8, 16, 0, List.of(), 2,
                        List.of(3, 12, 21), 32, 1024),
                256, 16, 64, 32, 4, 6, 9, 0.25, 1024,
                List.of(0.0, 1.0, 0.5, 0.25, 1.0, 0.25, 0.0, 0.25, 0.0), 0.5, 30, 64, 64, 0, false,
                0, PIXEL_MINUS_ONE, false, COLOR_STEM_OFF, STAIN_IHC, null);
    }

    /**
     * Two-core CPU scale (spec §11.2): full neck and decoders, small random ViTs (SAM 96 wide,
     * 4 blocks, global blocks 1 and 3; UNI 128 wide, 6 blocks, hooks 1, 3, 5; adapter ratio 8),
     * 64 px patches, CoNSeP's 4 types plus background with equal weights.
     */
    public static FpnuNetConfig cpu() {
        return new FpnuNetConfig(64,
                new VitEncoderConfig(96, 4, 3, 384, 8, 8, 14, List.of(1, 3), 1, List.of(), 8,
                        1024),
                new VitEncoderConfig(128, 6, 4, 512, 8, 8, 0, List.of(), 2, List.of(1, 3, 5), 8,
                        1024),
                256, 16, 64, 32, 4, 6, 5, 0.25, 1024,
                List.of(0.0, 1.0, 1.0, 1.0, 1.0), 0.5, 30, 32, 32, 0, false, 0,
                PIXEL_MINUS_ONE, false, COLOR_STEM_OFF, STAIN_HE, null);
    }

    /** The smallest network that runs every code path (tests). */
    public static FpnuNetConfig tiny() {
        return new FpnuNetConfig(64,
                new VitEncoderConfig(32, 2, 2, 64, 8, 8, 4, List.of(1), 1, List.of(), 8, 1024),
                new VitEncoderConfig(64, 3, 2, 128, 8, 8, 0, List.of(), 2, List.of(0, 1, 2), 8,
                        1024),
                32, 8, 8, 8, 4, 3, 5, 0.25, 1024,
                List.of(0.0, 1.0, 1.0, 1.0, 1.0), 0.5, 30, 8, 32, 0, false, 0,
                PIXEL_MINUS_ONE, false, COLOR_STEM_OFF, STAIN_HE, null);
    }
}
