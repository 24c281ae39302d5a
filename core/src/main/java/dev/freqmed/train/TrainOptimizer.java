package dev.freqmed.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * An optimiser the training loop can drive and checkpoint: one update of every trainable
 * parameter per step, with its state exposed as named arrays.
 */
public interface TrainOptimizer {

    /** Number of updates done. */
    long step();

    /**
     * Applies one update to every parameter that requires a gradient, then zeroes the gradients.
     *
     * @param parameters parameters by unique name
     * @param lr         learning rate for this step
     */
    default void update(Map<String, Parameter> parameters, double lr) {
        update(parameters, k -> lr, k -> defaultWeightDecay());
    }

    /**
     * Applies one update with a learning rate and weight decay per parameter (its group's), then
     * zeroes the gradients. Counts as one step however many groups there are.
     *
     * @param parameters  parameters by unique name
     * @param lr          learning rate of each parameter for this step
     * @param weightDecay weight decay of each parameter
     */
    void update(Map<String, Parameter> parameters, java.util.function.ToDoubleFunction<String> lr,
            java.util.function.ToDoubleFunction<String> weightDecay);

    /** The weight decay this optimiser was configured with. */
    double defaultWeightDecay();

    /** The state as named arrays (live; copy before the next update if needed). */
    Map<String, NDArray> stateArrays();

    /** Restores state saved by {@link #stateArrays()} and {@link #step()}. */
    void restore(Map<String, NDArray> arrays, long steps);
}
