package dev.freqmed.metric;

/**
 * An accumulating evaluation metric: feed (prediction, truth) pairs with {@link #update}, read
 * the named values with {@link #result}, start over with {@link #reset}.
 *
 * <p>Implementations state in their Javadoc the reduction (per image then mean, or pooled), the
 * rule for empty masks and the reference implementation whose numbers they reproduce.
 *
 * @param <P> prediction type (for example {@link dev.freqmed.io.GrayImage})
 * @param <T> ground-truth type
 */
public interface Metric<P, T> {

    /**
     * Adds one (prediction, truth) pair.
     *
     * @throws IllegalArgumentException if the pair is malformed (size mismatch, wrong values)
     */
    void update(P prediction, T truth);

    /** The metric over every pair added since the last reset. */
    MetricResult result();

    /** Forgets every pair added so far. */
    void reset();
}
