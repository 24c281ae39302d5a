package dev.freqmed.model.frcunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.freqmed.data.transform.Normalization;
import dev.freqmed.model.BinarySegmentationTask;

/**
 * FRCU-Net's task adapter: square inputs of {@link FrcuNetConfig#inputSize()}, per-image
 * min–max to [0, 255] (spec §1.1), Keras binary cross-entropy on soft targets (plus the optional
 * Dice term), foreground probability = the sigmoid output.
 */
public final class FrcuNetTask extends BinarySegmentationTask {

    private final FrcuNetLoss loss;

    /** The adapter for {@code config}. */
    public FrcuNetTask(FrcuNetConfig config) {
        super(config.inputSize(), config.inputSize(), Normalization.MINMAX_255);
        this.loss = FrcuNetLoss.of(config);
    }

    @Override
    protected NDArray probability(NDList outputs) {
        return outputs.get(FrcuNet.Output.PROBABILITY.ordinal());
    }

    @Override
    public NDArray loss(NDList outputs, NDList labels) {
        return loss.evaluate(labels, outputs);
    }
}
