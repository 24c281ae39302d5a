package dev.freqmed.train;

import ai.djl.ndarray.NDManager;
import dev.freqmed.data.Sample;
import java.util.List;

/** The plain supervised step: the task's inputs and labels, one forward, backward and update. */
public final class SupervisedStep implements TrainStep {

    @Override
    public float run(StepContext ctx, List<Sample> batch) {
        try (NDManager sub = ctx.manager().newSubManager()) {
            return ctx.optimise(ctx.task().inputs(sub, batch), ctx.task().labels(sub, batch));
        }
    }
}
