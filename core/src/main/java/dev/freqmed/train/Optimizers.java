package dev.freqmed.train;

import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * The optimisers {@code train.optimizer} names, each built from the run's settings with its
 * state in the given manager (and saved in checkpoints through {@link TrainOptimizer}).
 *
 * <ul>
 *   <li>{@code adam}: Adam with L2 weight decay, {@code adamw}: with decoupled decay
 *       (β1, β2, ε from {@code beta1}, {@code beta2}, {@code epsilon});
 *   <li>{@code adaxw}: AdaX-W (FSANet's), β2 and ε as configured, decoupled decay;
 *   <li>{@code sgd}: SGD with momentum {@code beta1} (0 = plain SGD) and L2 decay.
 * </ul>
 */
public final class Optimizers {

    private static final Map<String, BiFunction<TrainConfig.TrainSettings, NDManager,
            TrainOptimizer>> REGISTRY = new LinkedHashMap<>();

    static {
        register("adam", (ts, m) -> new AdamOptimizer(m, ts.beta1(), ts.beta2(), ts.epsilon(),
                ts.weightDecay(), false));
        register("adamw", (ts, m) -> new AdamOptimizer(m, ts.beta1(), ts.beta2(), ts.epsilon(),
                ts.weightDecay(), true));
        register("adaxw", (ts, m) -> AdaXwOptimizer.builder()
                .optBetas((float) ts.beta1(), (float) ts.beta2())
                .optEpsilon((float) ts.epsilon())
                .optDecoupledWeightDecay((float) ts.weightDecay())
                .optStateManager(m).build());
        register("sgd", (ts, m) -> new SgdOptimizer(m, ts.beta1(), ts.weightDecay()));
    }

    private Optimizers() {
    }

    /** Registers an optimiser under a lower-case name. */
    public static synchronized void register(String name,
            BiFunction<TrainConfig.TrainSettings, NDManager, TrainOptimizer> factory) {
        REGISTRY.put(name, factory);
    }

    /**
     * Checks that {@code name} is registered.
     *
     * @throws IllegalArgumentException naming the valid ones
     */
    public static void check(String name) {
        if (!REGISTRY.containsKey(name)) {
            throw new IllegalArgumentException("train.optimizer must be one of "
                    + String.join(", ", new TreeSet<>(REGISTRY.keySet())) + ", found '" + name
                    + "'");
        }
    }

    /** Builds the configured optimiser with its state in {@code stateManager}. */
    public static TrainOptimizer create(TrainConfig.TrainSettings ts, NDManager stateManager) {
        check(ts.optimizer());
        return REGISTRY.get(ts.optimizer()).apply(ts, stateManager);
    }
}
