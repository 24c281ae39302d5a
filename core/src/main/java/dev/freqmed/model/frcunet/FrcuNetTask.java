package dev.freqmed.model.frcunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.freqmed.data.transform.Normalization;
import dev.freqmed.model.BinarySegmentationTask;

/**
 * FRCU-Net's trainer adapter: the shared binary-segmentation pipeline (resize to the config's
 * input size, per-image min–max stretch to [0, 255] as in the reference, spec §1.1) with
 * {@link FrcuNetLoss} and the network's {@link FrcuNet.Output#PROBABILITY} output as the
 * foreground probability.
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
