package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a binary segmentation: {@code masks/STEM.png} (0/255), {@code prob/STEM.png} (8-bit
 * probability, rounded half up) and {@code overlays/STEM.png} (the mask in red over the image).
 * The mask is {@link PredictionOutput#MASK} when the prediction holds one, else the probability
 * above {@code threshold}.
 */
public final class BinaryMaskWriter implements PredictionWriter {

    private final double threshold;

    /**
     * @param threshold probability above which a pixel is foreground when the prediction holds
     *                  no mask
     */
    public BinaryMaskWriter(double threshold) {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], found " + threshold);
        }
        this.threshold = threshold;
    }

    @Override
    public void write(Path dir, String stem, FloatImage original, Prediction prediction)
            throws IOException {
        FloatImage prob = prediction.get(PredictionOutput.PROBABILITY);
        FloatImage given = prediction.arrays().get(PredictionOutput.MASK);
        int n = prob.height() * prob.width();
        int[] mask = new int[n];
        int[] p8 = new int[n];
        float[] bin = new float[n];
        for (int k = 0; k < n; k++) {
            float v = prob.data()[k];
            boolean fg = given != null ? given.data()[k] > 0.5f : v > threshold;
            mask[k] = fg ? 255 : 0;
            bin[k] = fg ? 1f : 0f;
            p8[k] = Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
        }
        ImageIo.writeGray8(dir.resolve("masks").resolve(stem + ".png"),
                new GrayImage(prob.width(), prob.height(), 8, mask));
        ImageIo.writeGray8(dir.resolve("prob").resolve(stem + ".png"),
                new GrayImage(prob.width(), prob.height(), 8, p8));
        ImageIo.writePng(dir.resolve("overlays").resolve(stem + ".png"),
                Overlays.draw(original, new FloatImage(1, prob.height(), prob.width(), bin), null));
    }

    @Override
    public List<String> files(String stem) {
        return List.of("masks/" + stem + ".png", "prob/" + stem + ".png",
                "overlays/" + stem + ".png");
    }
}
