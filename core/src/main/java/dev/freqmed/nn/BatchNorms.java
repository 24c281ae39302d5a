package dev.freqmed.nn;

import ai.djl.nn.norm.BatchNorm;

/**
 * Factories for DJL {@link BatchNorm} over the channel axis of {@code (N, C, H, W)} with the
 * conventions of the reference frameworks. Parameters are {@code gamma}, {@code beta},
 * {@code runningMean}, {@code runningVar}.
 *
 * <p>Momentum: DJL's BatchNorm (PyTorch engine included, checked by {@code BatchNormsTest})
 * updates {@code running = m · running + (1 − m) · batch}, which is the Keras convention, so a
 * Keras momentum is passed through unchanged and a PyTorch momentum {@code p} becomes
 * {@code 1 − p}. The running variance uses the unbiased batch variance.
 */
public final class BatchNorms {

    /** Keras' default epsilon. */
    public static final float KERAS_EPSILON = 1e-3f;
    /** Keras' default momentum. */
    public static final float KERAS_MOMENTUM = 0.99f;

    private BatchNorms() {
    }

    /**
     * A BatchNorm with a Keras {@code epsilon} and {@code momentum} (e.g. 1e-3, 0.99).
     *
     * @throws IllegalArgumentException if epsilon is not positive or momentum is outside [0, 1)
     */
    public static BatchNorm keras(float epsilon, float momentum) {
        if (!(epsilon > 0) || !(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("batch norm needs epsilon > 0 and momentum in [0, 1),"
                    + " found epsilon " + epsilon + ", momentum " + momentum);
        }
        return BatchNorm.builder().optAxis(1).optEpsilon(epsilon).optMomentum(momentum).build();
    }

    /** A BatchNorm with a PyTorch {@code eps} and {@code momentum} (e.g. 1e-5, 0.1). */
    public static BatchNorm torch(float eps, float momentum) {
        return keras(eps, 1f - momentum);
    }
}
