package dev.freqmed.metric;

/**
 * Whether smaller or larger values of a metric are better. Every registered {@link MetricKey}
 * states its direction, so that checkpoint selection, learning-rate schedules and early stopping
 * never guess it from the name.
 */
public enum Direction {
    /** Smaller is better (losses, MAE, HCE, FID, KID). */
    MINIMIZE,
    /** Larger is better (Dice, IoU, accuracy, F-measures, PQ). */
    MAXIMIZE;

    /** Whether {@code candidate} is strictly better than {@code best}. */
    public boolean isBetter(double candidate, double best) {
        return this == MAXIMIZE ? candidate > best : candidate < best;
    }

    /** The value every finite value improves on: −∞ when maximising, +∞ when minimising. */
    public double worst() {
        return this == MAXIMIZE ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    /** Lower-case name ({@code minimize}, {@code maximize}). */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
