package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.freqmed.data.Sample;
import dev.freqmed.tensor.Resize;
import dev.freqmed.train.StepContext;
import dev.freqmed.train.TrainStep;
import java.util.List;

/**
 * FSANet's training step (spec §4; reference training loop): the same batch at every
 * multi-scale side, resized bilinearly with {@code align_corners=True} (images and soft masks
 * alike), one forward, backward and optimiser update per side. The recorded loss is the one at
 * the training side (or at the last side when the training side is not among them).
 */
public final class FsaNetMultiScaleStep implements TrainStep {

    private final List<Integer> sides;
    private final int base;

    /**
     * @param sides one side per scale rate, in order
     * @param base  the training side, whose loss is recorded
     */
    public FsaNetMultiScaleStep(List<Integer> sides, int base) {
        if (sides.isEmpty()) {
            throw new IllegalArgumentException("FSANet needs at least one training side");
        }
        this.sides = List.copyOf(sides);
        this.base = base;
    }

    @Override
    public float run(StepContext ctx, List<Sample> batch) {
        float recorded = Float.NaN;
        for (int side : sides) {
            try (NDManager sub = ctx.manager().newSubManager()) {
                NDList[] scaled = rescale(ctx.task().inputs(sub, batch),
                        ctx.task().labels(sub, batch), side);
                float value = ctx.optimise(scaled[0], scaled[1]);
                if (side == base || !sides.contains(base)) {
                    recorded = value;
                }
            }
        }
        return recorded;
    }

    /**
     * Resizes a stacked batch to one side, as the reference's training loop does.
     *
     * @param inputs (N, 3, S, S) images
     * @param labels (N, 1, S, S) masks
     * @param side   target side
     * @return {inputs, labels} at side × side (the same arrays when the side is unchanged)
     */
    public static NDList[] rescale(NDList inputs, NDList labels, int side) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().get(2) == side && x.getShape().get(3) == side) {
            return new NDList[] {inputs, labels};
        }
        NDArray y = labels.get(0);
        return new NDList[] {
            new NDList(Resize.resize(x, side, side, Resize.Mode.BILINEAR, true)),
            new NDList(Resize.resize(y, side, side, Resize.Mode.BILINEAR, true))};
    }
}
