package dev.freqmed.train;

import dev.freqmed.data.Sample;
import java.util.List;

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
}
