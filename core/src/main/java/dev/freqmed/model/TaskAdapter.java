package dev.freqmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.data.transform.Transform;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Tells the trainer and the predictor how one system is fed and scored: how raw samples become
 * network-ready samples, how a batch is stacked, which loss is used, which validation metrics are
 * tracked and how raw outputs become a prediction.
 */
public interface TaskAdapter extends dev.freqmed.infer.InferenceAdapter {

    /**
     * Opens one split of a data set in the layout this task reads.
     *
     * @throws java.io.IOException naming the folder or file when the layout is wrong or the split is empty
     */
    SampleSource openData(java.nio.file.Path root, String split) throws java.io.IOException;

    /** Shape used to initialise the network, e.g. (1, 3, 256, 256). */
    Shape inputShape();

    /**
     * Turns a raw sample (as read from disk) into a network-ready one: resizing to the input size,
     * then {@code augmentation} (may be {@code null}; random draws only from {@code rng}), then
     * normalisation. Runs on loader threads: it must not touch the engine.
     */
    Sample prepare(Sample raw, Transform augmentation, Random rng);

    /** Stacks prepared samples into the network inputs, e.g. one (N, C, H, W) array. */
    NDList inputs(NDManager manager, List<Sample> batch);

    /** Stacks prepared samples into the targets the loss compares against. */
    NDList labels(NDManager manager, List<Sample> batch);

    /**
     * The training step this task runs per batch; the shared loop does the rest. Default: the
     * plain supervised step.
     */
    default dev.freqmed.train.TrainStep trainStep() {
        return new dev.freqmed.train.SupervisedStep();
    }

    /** The scalar training loss of a batch. */
    NDArray loss(NDList outputs, NDList labels);

    /** A fresh accumulator of validation metrics. */
    Validation newValidation();

    /**
     * The same task predicting at another square input side ({@code predict --size N}).
     *
     * @throws IllegalArgumentException when the model's input size is fixed or {@code side} is
     *     not valid for it
     */
    default TaskAdapter withInferenceSize(int side) {
        throw new IllegalArgumentException("this model predicts at a fixed input size; --size is"
                + " not supported (found " + side + ")");
    }

    /**
     * How a fresh network's weights are drawn, recorded in the manifest with the seed. Every
     * network draws from the engine's random seed ({@code train.seed}) in block-tree order, with
     * the initialisers of its reference framework; the default is DJL's (Xavier-uniform weights,
     * zero biases, BatchNorm 1/0).
     */
    default String initialisation() {
        return "DJL defaults: Xavier-uniform weights, zero biases, BatchNorm weight 1 / bias 0";
    }

    /** The normalisation applied to inputs, recorded in checkpoint manifests. */
    String normalization();

    /** Accumulates validation metrics over batches. */
    interface Validation {
        /** Adds one batch of network outputs and their labels (loss is tracked by the trainer). */
        void update(NDList outputs, NDList labels);

        /** Named metric values over everything added so far. */
        Map<String, Double> result();
    }
}
