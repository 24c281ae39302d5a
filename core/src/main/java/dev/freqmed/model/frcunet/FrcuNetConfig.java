package dev.freqmed.model.frcunet;

/**
 * The FRCU-Net network configuration (spec §2, §4). Training settings (learning rate, epochs,
 * batch size) live in the trainer's config.
 *
 * @param inputSize       side of the square network input in pixels; a multiple of 16
 * @param widthMultiplier scales every channel count (1.0 = paper); rounded to multiples of 8,
 *                        at least 8
 * @param middleBlocks    Xception middle-flow units (16 in the paper)
 * @param variant         which network: the paper's, without the FRC block, or a plain U-Net
 * @param dropout         dropout rate after {@code concat_projection_BN} (0.1), in [0, 1)
 * @param bnMomentum      BatchNorm momentum in the Keras convention (0.99), in [0, 1)
 * @param frcHidden       hidden width of the FRC attention MLP before width scaling (32)
 * @param bceWeight       weight of the Keras binary cross-entropy term (1)
 * @param diceWeight      weight of the soft Dice term (0 in the reference)
 */
public record FrcuNetConfig(
        int inputSize,
        double widthMultiplier,
        int middleBlocks,
        Variant variant,
        double dropout,
        double bnMomentum,
        int frcHidden,
        double bceWeight,
        double diceWeight) {

    /** Network variants, for ablations. */
    public enum Variant {
        /** The reference FRCU-Net. */
        FRCUNET,
        /** FRCU-Net with the frequency re-calibration replaced by the identity. */
        NO_FRC,
        /** A plain U-Net encoder (double conv + BN + ReLU, max pooling) with the same decoder. */
        UNET
    }

    /** Validates every field; the message names the offending one. */
    public FrcuNetConfig {
        if (inputSize < 16 || inputSize % 16 != 0) {
            throw bad("inputSize", "a positive multiple of 16", inputSize);
        }
        if (!(widthMultiplier > 0) || widthMultiplier > 4) {
            throw bad("widthMultiplier", "in (0, 4]", widthMultiplier);
        }
        if (middleBlocks < 0 || middleBlocks > 64) {
            throw bad("middleBlocks", "in [0, 64]", middleBlocks);
        }
        if (variant == null) {
            throw bad("variant", "one of FRCUNET, NO_FRC, UNET", null);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw bad("dropout", "in [0, 1)", dropout);
        }
        if (!(bnMomentum >= 0 && bnMomentum < 1)) {
            throw bad("bnMomentum", "in [0, 1) (Keras convention, e.g. 0.99)", bnMomentum);
        }
        if (frcHidden <= 0) {
            throw bad("frcHidden", "a positive integer", frcHidden);
        }
        if (!(bceWeight >= 0) || !(diceWeight >= 0) || bceWeight + diceWeight <= 0) {
            throw bad("bceWeight/diceWeight", "non-negative with a positive sum",
                    bceWeight + "/" + diceWeight);
        }
    }

    private static IllegalArgumentException bad(String field, String expected, Object found) {
        return new IllegalArgumentException("FrcuNetConfig." + field + ": expected " + expected
                + ", found " + found);
    }

    /** The paper's network: 256×256, full width, 16 middle blocks. */
    public static FrcuNetConfig paper() {
        return new FrcuNetConfig(256, 1.0, 16, Variant.FRCUNET, 0.1, 0.99, 32, 1.0, 0.0);
    }

    /** A very small network for tests: 64×64, width 1/8, one middle block. */
    public static FrcuNetConfig tiny() {
        return new FrcuNetConfig(64, 0.125, 1, Variant.FRCUNET, 0.1, 0.99, 32, 1.0, 0.0);
    }

    /** A size that trains on a two-core CPU in minutes: 128×128, width 1/4, 4 middle blocks. */
    public static FrcuNetConfig cpu() {
        return new FrcuNetConfig(128, 0.25, 4, Variant.FRCUNET, 0.1, 0.99, 32, 1.0, 0.0);
    }

    /** This config with another variant. */
    public FrcuNetConfig withVariant(Variant v) {
        return new FrcuNetConfig(inputSize, widthMultiplier, middleBlocks, v, dropout, bnMomentum,
                frcHidden, bceWeight, diceWeight);
    }

    /** This config with another input size. */
    public FrcuNetConfig withInputSize(int size) {
        return new FrcuNetConfig(size, widthMultiplier, middleBlocks, variant, dropout, bnMomentum,
                frcHidden, bceWeight, diceWeight);
    }
}
