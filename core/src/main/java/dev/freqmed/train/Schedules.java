package dev.freqmed.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The learning-rate schedules {@code train.schedule} names: the rate of each epoch (1-based)
 * from the run's settings, with an optional linear warm-up ({@code warmupEpochs}: epoch e ≤ W
 * runs at {@code lr · e / (W + 1)}) in front of any of them.
 *
 * <ul>
 *   <li>{@code plateau}: reduce on plateau of {@code plateauMonitor} (the only stateful one; its
 *       state is checkpointed by the loop);
 *   <li>{@code poly}: {@code lr · (1 − e/E)^polyPower};
 *   <li>{@code cosine}: {@code minLr + (lr − minLr)(1 + cos(π (e − 1) / E)) / 2};
 *   <li>{@code step}: {@code lr · plateauFactor^⌊(e − 1) / stepEpochs⌋}.
 * </ul>
 */
public final class Schedules {

    /** One schedule: the rate of an epoch given the settings and the plateau tracker's rate. */
    @FunctionalInterface
    public interface Schedule {
        /**
         * @param ts       the run's settings
         * @param epoch    1-based epoch
         * @param plateau  the reduce-on-plateau tracker's current rate
         * @return the learning rate of the epoch (before warm-up and group factors)
         */
        double lr(TrainConfig.TrainSettings ts, int epoch, double plateau);
    }

    private static final Map<String, Schedule> REGISTRY = new LinkedHashMap<>();

    static {
        register("plateau", (ts, e, p) -> p);
        register("poly", (ts, e, p) -> ts.polyLearningRate(e));
        register("cosine", (ts, e, p) -> ts.minLearningRate() + (ts.learningRate()
                - ts.minLearningRate()) * (1 + Math.cos(Math.PI * (e - 1) / ts.epochs())) / 2);
        register("step", (ts, e, p) -> ts.learningRate()
                * Math.pow(ts.plateauFactor(), (e - 1) / Math.max(1, ts.stepEpochs())));
    }

    private Schedules() {
    }

    /** Registers a schedule under a lower-case name. */
    public static synchronized void register(String name, Schedule s) {
        REGISTRY.put(name, s);
    }

    /**
     * Checks that {@code name} is registered.
     *
     * @throws IllegalArgumentException naming the valid ones
     */
    public static void check(String name) {
        if (!REGISTRY.containsKey(name)) {
            throw new IllegalArgumentException("train.schedule must be one of "
                    + String.join(", ", new TreeSet<>(REGISTRY.keySet())) + ", found '" + name
                    + "'");
        }
    }

    /** Whether the schedule follows the reduce-on-plateau tracker. */
    public static boolean usesPlateau(String name) {
        return "plateau".equals(name);
    }

    /**
     * The learning rate of an epoch, warm-up included.
     *
     * @param ts      the run's settings
     * @param epoch   1-based epoch
     * @param plateau the plateau tracker's current rate
     * @return the rate
     */
    public static double lr(TrainConfig.TrainSettings ts, int epoch, double plateau) {
        check(ts.schedule());
        double lr = REGISTRY.get(ts.schedule()).lr(ts, epoch, plateau);
        if (epoch <= ts.warmupEpochs()) {
            lr *= (double) epoch / (ts.warmupEpochs() + 1);
        }
        return lr;
    }
}
