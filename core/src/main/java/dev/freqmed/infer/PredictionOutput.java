package dev.freqmed.infer;

/** The kinds of array a {@link Prediction} can hold; each has its writer. */
public enum PredictionOutput {
    /** Foreground probability (1, H, W) in [0, 1]. */
    PROBABILITY,
    /** Binary mask (1, H, W), 0 or 1. */
    MASK,
    /** Instance labels (1, H, W), 0 = background, 1..n = objects. */
    INSTANCES,
    /** Class per pixel (1, H, W), 0 = background. */
    TYPES,
    /** Per pixel, the probability of its object's class (1, H, W), 0 on background. */
    TYPE_PROBABILITY,
    /** An image (3, H, W) in 0..255, e.g. a stain translation. */
    IMAGE,
    /** A label volume (D, H, W). */
    VOLUME
}
