package dev.freqmed.train;

/**
 * Reduce-on-plateau learning-rate schedule as Keras {@code ReduceLROnPlateau} (mode min or max,
 * {@code min_delta} absolute, cooldown 0): after {@code patience} epochs without an improvement
 * larger than {@code minDelta}, the rate is multiplied by {@code factor}, not going below
 * {@code minLr}.
 */
public final class PlateauScheduler {

    /** Serializable state for checkpoints. */
    public record State(double lr, double best, int epochsWithoutImprovement) {
    }

    private final double factor;
    private final int patience;
    private final double minDelta;
    private final double minLr;
    private final boolean maximize;
    private double lr;
    private double best;
    private int wait;

    /**
     * @param initialLr starting learning rate
     * @param factor    multiplier on a plateau, in (0, 1)
     * @param patience  epochs without improvement before reducing
     * @param minDelta  smallest change that counts as an improvement
     * @param minLr     lower bound of the rate
     * @param maximize  whether larger monitored values are better
     */
    public PlateauScheduler(double initialLr, double factor, int patience, double minDelta, double minLr,
            boolean maximize) {
        if (factor <= 0 || factor >= 1 || patience < 0) {
            throw new IllegalArgumentException("plateau factor must be in (0,1) and patience >= 0, found factor="
                    + factor + " patience=" + patience);
        }
        this.factor = factor;
        this.patience = patience;
        this.minDelta = minDelta;
        this.minLr = minLr;
        this.maximize = maximize;
        this.lr = initialLr;
        this.best = maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    /** The current learning rate. */
    public double lr() {
        return lr;
    }

    /** Records the monitored value at the end of an epoch; returns the (possibly reduced) rate. */
    public double observe(double value) {
        boolean improved = maximize ? value > best + minDelta : value < best - minDelta;
        if (improved) {
            best = value;
            wait = 0;
        } else {
            wait++;
            if (wait >= patience) {
                double next = Math.max(lr * factor, minLr);
                if (next < lr) {
                    lr = next;
                }
                wait = 0;
            }
        }
        return lr;
    }

    /** The state to checkpoint. */
    public State state() {
        return new State(lr, best, wait);
    }

    /** Restores a checkpointed state. */
    public void restore(State s) {
        this.lr = s.lr();
        this.best = s.best();
        this.wait = s.epochsWithoutImprovement();
    }
}
