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
    void update(Map<String, Parameter> parameters, double lr);

    /** The state as named arrays (live; copy before the next update if needed). */
    Map<String, NDArray> stateArrays();

    /** Restores state saved by {@link #stateArrays()} and {@link #step()}. */
    void restore(Map<String, NDArray> arrays, long steps);
}
