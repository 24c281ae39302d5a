package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a predicted image ({@link PredictionOutput#IMAGE}, (3, H, W) in 0..255, rounded and
 * clamped) as {@code images/STEM.png}: the output of a stain translation.
 */
public final class ImageWriter implements PredictionWriter {

    @Override
    public void write(Path dir, String stem, FloatImage original, Prediction prediction)
            throws IOException {
        FloatImage img = prediction.get(PredictionOutput.IMAGE);
        if (img.channels() != 3) {
            throw new IllegalArgumentException("an RGB image has 3 channels, found "
                    + img.channels() + " for " + stem);
        }
        int h = img.height();
        int w = img.width();
        byte[] rgb = new byte[h * w * 3];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < h * w; i++) {
                int v = Math.round(Math.max(0f, Math.min(255f, img.data()[c * h * w + i])));
                rgb[i * 3 + c] = (byte) v;
            }
        }
        ImageIo.writeRgb(dir.resolve("images").resolve(stem + ".png"), new RgbImage(w, h, rgb));
    }

    @Override
    public List<String> files(String stem) {
        return List.of("images/" + stem + ".png");
    }
}
