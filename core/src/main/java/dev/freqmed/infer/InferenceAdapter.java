package dev.freqmed.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.FloatImage;

/**
 * How a task turns an image into a {@link Prediction}, in the steps {@link Predictor} runs:
 * {@link #preprocess} once per image, {@link #forward} per batch of windows (through
 * {@link SlidingWindowInferer}, which stitches the maps on the CPU), {@link #postprocess} once on
 * the stitched maps. A task that needs a whole-image statistic (a min–max stretch, a threshold)
 * applies it in {@code postprocess}, never per window.
 */
public interface InferenceAdapter {

    /**
     * Resizes and normalises one image for the network.
     *
     * @param image (C, H, W), 0..255
     * @return the network input at the working resolution, and what postprocess needs
     * @throws IllegalArgumentException for an image the network cannot take (wrong channels)
     */
    PreparedImage preprocess(FloatImage image);

    /**
     * The raw network maps of a batch of windows.
     *
     * @param network the network
     * @param ps      its parameter store (inference)
     * @param windows (N, C, h, w), h and w multiples of {@link #stride()}
     * @return maps (N, K, h, w) named after what they hold (e.g. {@code PROBABILITY},
     *         {@code LOGIT}); each is blended across overlapping windows
     */
    NDList forward(Block network, ParameterStore ps, NDArray windows);

    /**
     * Turns the stitched maps into the prediction at the original size.
     *
     * @param manager  engine manager for whole-image operations (resizing back, activations)
     * @param maps     the stitched maps by name, each (K, H', W') at the working resolution
     * @param prepared what {@link #preprocess} returned
     * @return the prediction
     */
    Prediction postprocess(NDManager manager, java.util.Map<String, FloatImage> maps,
            PreparedImage prepared);

    /** Window sides must be multiples of this (the network's total stride). */
    int stride();

    /** The least overlap, in working-resolution pixels, that tiled inference should use. */
    int margin();

    /**
     * The writer of this task's predictions.
     *
     * @param threshold probability threshold for tasks that binarise a probability map
     * @return the writer
     */
    PredictionWriter writer(double threshold);
}
