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

    private final FrcuNetConfig config;
    private final FrcuNetLoss loss;

    /** The adapter for {@code config}. */
    public FrcuNetTask(FrcuNetConfig config) {
        this(config, config.inputSize());
    }

    private FrcuNetTask(FrcuNetConfig config, int side) {
        super(side, side, Normalization.MINMAX_255);
        this.config = config;
        this.loss = FrcuNetLoss.of(config);
    }

    /** Windows are multiples of the encoder's output stride, 16. */
    @Override
    public String initialisation() {
        return "Keras (spec 4.1): glorot_uniform for the backbone, ASPP convs and head, he_normal for the"
                + " other new convs, zero biases, BatchNorm gamma 1 / beta 0";
    }

    @Override
    public int stride() {
        return FrcuNet.STRIDE;
    }

    /**
     * The task predicting at another square side ({@code predict --size N}): the network is
     * fully convolutional, so any positive multiple of 16 works; the image is resized to it.
     *
     * @throws IllegalArgumentException when {@code side} is not a positive multiple of 16
     */
    @Override
    public FrcuNetTask withInferenceSize(int side) {
        if (side <= 0 || side % FrcuNet.STRIDE != 0) {
            throw new IllegalArgumentException("FRCU-Net predicts at sides that are positive"
                    + " multiples of " + FrcuNet.STRIDE + ", found " + side);
        }
        return new FrcuNetTask(config, side);
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
