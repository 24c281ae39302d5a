package dev.freqmed.train;

import dev.freqmed.data.Sample;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;

/**
 * One training step of a task on one batch, run by the shared loop ({@link TrainingRun}), which
 * keeps validation, checkpoints, resume, early stopping, the NaN stop, progress and logs. A task
 * chooses its step ({@code TaskAdapter.trainStep()}): the plain supervised step
 * ({@link SupervisedStep}), several optimiser steps at other scales (FSANet), an episodic or a
 * generator/discriminator step.
 */
@FunctionalInterface
public interface TrainStep {

    /**
     * Runs the step: builds the inputs, and optimises through {@link StepContext#optimise} as
     * many times as the step needs.
     *
     * @param ctx   the network, task, optimiser and the step's bookkeeping
     * @param batch the samples of this step, already prepared and augmented
     * @return the loss to record for this step
     */
    float run(StepContext ctx, List<Sample> batch);

    /**
     * Whether the step updates this parameter itself (e.g. a discriminator with its own
     * optimiser); the run's optimiser then leaves it alone. Default: none.
     *
     * @param key PyTorch-style parameter key
     * @return true for a parameter the step owns
     */
    default boolean ownsParameter(String key) {
        return false;
    }

    /**
     * State the step keeps between batches (its own optimiser's moments and step count), saved
     * with every checkpoint so that a resumed run continues exactly. Default: none.
     *
     * @return named arrays (live; the run copies them to the host)
     */
    default Map<String, NDArray> stateArrays() {
        return Map.of();
    }

    /**
     * Restores what {@link #stateArrays()} returned, before the first batch of a resumed run.
     *
     * @param manager where the step keeps its state
     * @param arrays  the saved arrays (copy them: they are closed afterwards)
     * @throws IllegalArgumentException for a state this step does not keep
     */
    default void restoreState(NDManager manager, Map<String, NDArray> arrays) {
        if (!arrays.isEmpty()) {
            throw new IllegalArgumentException("this training step keeps no state, but the"
                    + " checkpoint holds " + arrays.keySet());
        }
    }
}
