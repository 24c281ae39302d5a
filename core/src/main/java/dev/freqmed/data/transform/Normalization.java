package dev.freqmed.data.transform;

import dev.freqmed.data.FloatImage;
import java.util.Locale;

/**
 * How a raw image (0..255) is scaled before it enters a network. Statistics are computed once per
 * image (never per tile).
 */
public enum Normalization {
    /**
     * Per image, jointly over channels and pixels: {@code 255 * (x - min) / (max - min)}; a
     * constant image becomes zeros. This is FRCU-Net's {@code dataset_normalized} (its global
     * z-score step cancels out; spec frcunet §1.1).
     */
    MINMAX_255,
    /** Per image min–max to [0, 1]. */
    MINMAX_01,
    /** {@code x / 255}. */
    UNIT,
    /** {@code (x / 255 - mean) / std} with the ImageNet RGB statistics. */
    IMAGENET;

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** Parses a config value such as {@code minmax_255} or {@code imagenet}. */
    public static Normalization parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown normalization '" + s
                    + "'; valid: minmax_255, minmax_01, unit, imagenet", e);
        }
    }

    /** The config spelling of this value. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Returns a normalised copy of {@code image} (values 0..255 expected). */
    public FloatImage apply(FloatImage image) {
        float[] src = image.data();
        float[] out = new float[src.length];
        switch (this) {
            case MINMAX_255, MINMAX_01 -> {
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (float v : src) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                double range = max - min;
                if (range > 0) {
                    double scale = (this == MINMAX_255 ? 255.0 : 1.0) / range;
                    for (int i = 0; i < src.length; i++) {
                        out[i] = (float) ((src[i] - min) * scale);
                    }
                }
            }
            case UNIT -> {
                for (int i = 0; i < src.length; i++) {
                    out[i] = src[i] / 255f;
                }
            }
            case IMAGENET -> {
                if (image.channels() != 3) {
                    throw new IllegalArgumentException("imagenet normalization needs 3 channels, found "
                            + image.channels());
                }
                int plane = image.height() * image.width();
                for (int c = 0; c < 3; c++) {
                    for (int i = c * plane; i < (c + 1) * plane; i++) {
                        out[i] = (src[i] / 255f - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
                    }
                }
            }
            default -> throw new AssertionError(this);
        }
        return new FloatImage(image.channels(), image.height(), image.width(), out);
    }
}
