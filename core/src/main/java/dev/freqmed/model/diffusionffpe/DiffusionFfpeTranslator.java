package dev.freqmed.model.diffusionffpe;

import dev.freqmed.data.FloatImage;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PreparedImage;
import dev.freqmed.infer.SlidingWindowInferer;
import dev.freqmed.nn.Lora;
import java.util.Map;

/**
 * Translates images with a loaded Diffusion-FFPE model (a2b): the whole image at once or in
 * windows of {@code tile} pixels overlapping by {@code overlap}, blended with the Gaussian map,
 * one generator pass per window, {@code batch} windows per pass. The latent noise is drawn from
 * {@code Random(seed)} for every window (a run repeats exactly), or the posterior mean is used
 * when {@code seed} is null ({@code --deterministic}).
 *
 * <p>The model's LoRA adapters are merged into their base weights when the translator is made
 * ({@link Lora#mergeAll}): the same output without the adapters' extra layers in every pass.
 * The loaded model is then for inference only.
 */
public final class DiffusionFfpeTranslator {

    private final LoadedModel model;
    private final DiffusionFfpeTask task;
    private final SlidingWindowInferer inferer;

    /**
     * @param model    a loaded Diffusion-FFPE checkpoint
     * @param tile     window side in pixels (a multiple of the stride), 0 for the whole image
     * @param overlap  overlap of neighbouring windows in pixels ({@code < tile})
     * @param batch    windows per generator pass
     * @param seed     noise seed, or null for the posterior mean
     * @param progress receives (windows done, windows total) per image, or null
     * @throws IllegalArgumentException when the model is not Diffusion-FFPE or the tiling is
     *                                  invalid (the message names the stride)
     */
    public DiffusionFfpeTranslator(LoadedModel model, int tile, int overlap, int batch, Long seed,
            SlidingWindowInferer.Progress progress) {
        if (!(model.task() instanceof DiffusionFfpeTask t)) {
            throw new IllegalArgumentException(model.dir() + ": a " + model.manifest()
                    .architecture() + " checkpoint, not diffusion-ffpe; translate needs a"
                    + " Diffusion-FFPE model");
        }
        if (tile < 0 || tile % t.stride() != 0) {
            throw new IllegalArgumentException("--tile must be 0 or a positive multiple of the"
                    + " network's stride " + t.stride() + ", found " + tile);
        }
        this.model = model;
        Lora.mergeAll(model.network());
        this.task = t.withNoiseSeed(seed);
        this.inferer = new SlidingWindowInferer(tile, tile > 0 ? Math.min(overlap, tile - 1) : 0,
                batch, SlidingWindowInferer.Blending.GAUSSIAN, progress);
    }

    /**
     * Translates one image.
     *
     * @param image (3, H, W) in 0..255
     * @return {@code Prediction{IMAGE}} (3, H, W) in 0..255
     */
    public Prediction translate(FloatImage image) {
        PreparedImage prepared = task.preprocess(image);
        Map<String, FloatImage> maps = inferer.run(model.manager(), model.network(), task,
                prepared.input());
        return task.postprocess(model.manager(), maps, prepared);
    }
}
