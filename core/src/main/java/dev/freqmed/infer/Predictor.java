package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;
import java.util.Map;

/**
 * Predicts one image with a loaded model: the task's {@link InferenceAdapter#preprocess} once per
 * image, the network over windows of the working image ({@link SlidingWindowInferer}, stitched on
 * the CPU), the task's {@link InferenceAdapter#postprocess} once on the stitched maps.
 */
public final class Predictor {

    private final LoadedModel model;
    private final SlidingWindowInferer inferer;

    /**
     * @param model   the loaded network
     * @param tile    window side in pixels of the working image (the image resized to the
     *                model's inference side), or 0 for one pass over the whole image
     * @param overlap overlap between neighbouring windows ({@code 0 <= overlap < tile})
     */
    public Predictor(LoadedModel model, int tile, int overlap) {
        this(model, new SlidingWindowInferer(tile, overlap, 1,
                SlidingWindowInferer.Blending.LINEAR, null));
    }

    /**
     * @param model   the loaded network
     * @param inferer how windows are laid out, batched and blended
     */
    public Predictor(LoadedModel model, SlidingWindowInferer inferer) {
        this.model = model;
        this.inferer = inferer;
    }

    /**
     * The prediction of one image.
     *
     * @param image (C, H, W) in 0..255
     * @return the post-processed prediction at the image's size
     */
    public Prediction run(FloatImage image) {
        InferenceAdapter task = model.task();
        PreparedImage prepared = task.preprocess(image);
        Map<String, FloatImage> maps = inferer.run(model.manager(), model.network(), task,
                prepared.input());
        return task.postprocess(model.manager(), maps, prepared);
    }

    /**
     * The foreground probability of a binary segmentation model.
     *
     * @param image (3, H, W) in 0..255
     * @return (1, H, W) in [0, 1]
     * @throws IllegalArgumentException when the model predicts no probability map
     */
    public FloatImage predict(FloatImage image) {
        return run(image).get(PredictionOutput.PROBABILITY);
    }
}
