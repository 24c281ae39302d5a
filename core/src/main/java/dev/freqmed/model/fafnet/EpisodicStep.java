package dev.freqmed.model.fafnet;

import ai.djl.ndarray.NDManager;
import dev.freqmed.data.Sample;
import dev.freqmed.train.StepContext;
import dev.freqmed.train.TrainStep;
import java.util.List;

/**
 * FAF-Net's training step: one optimiser update per episode of the batch, each episode's
 * support and query forming the network's batch of 2 (so BatchNorm statistics are those of one
 * episode, as in the reference, whatever the configured batch size). Returns the mean loss.
 */
public final class EpisodicStep implements TrainStep {

    @Override
    public float run(StepContext ctx, List<Sample> batch) {
        double sum = 0;
        for (Sample episode : batch) {
            try (NDManager sub = ctx.manager().newSubManager()) {
                List<Sample> one = List.of(episode);
                sum += ctx.optimise(ctx.task().inputs(sub, one), ctx.task().labels(sub, one));
            }
        }
        return (float) (sum / batch.size());
    }
}
