package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;
import java.awt.image.BufferedImage;

/**
 * Draws mask outlines on images: the prediction's boundary in red with a light red fill, and the
 * ground truth's boundary (when given) in green.
 */
public final class Overlays {

    private static final int RED = 0xff2020;
    private static final int GREEN = 0x20e020;

    private Overlays() {
    }

    /**
     * @param image (3, H, W) in 0..255
     * @param pred  (1, H, W), foreground where > 0.5
     * @param truth (1, H, W), foreground where > 0.5, or null
     */
    public static BufferedImage draw(FloatImage image, FloatImage pred, FloatImage truth) {
        int h = image.height();
        int w = image.width();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        boolean grey = image.channels() == 1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = clamp(image.get(0, y, x));
                int g = clamp(image.get(grey ? 0 : 1, y, x));
                int b = clamp(image.get(grey ? 0 : 2, y, x));
                if (pred.get(0, y, x) > 0.5f) {
                    r = (int) (r * 0.75 + 255 * 0.25);
                    g = (int) (g * 0.75);
                    b = (int) (b * 0.75);
                }
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        if (truth != null) {
            outline(out, truth, GREEN);
        }
        outline(out, pred, RED);
        return out;
    }

    private static void outline(BufferedImage out, FloatImage mask, int rgb) {
        int h = mask.height();
        int w = mask.width();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask.get(0, y, x) <= 0.5f) {
                    continue;
                }
                boolean edge = x == 0 || y == 0 || x == w - 1 || y == h - 1
                        || mask.get(0, y, x - 1) <= 0.5f || mask.get(0, y, x + 1) <= 0.5f
                        || mask.get(0, y - 1, x) <= 0.5f || mask.get(0, y + 1, x) <= 0.5f;
                if (edge) {
                    out.setRGB(x, y, rgb);
                    if (x + 1 < w) {
                        out.setRGB(x + 1, y, rgb);
                    }
                }
            }
        }
    }

    private static int clamp(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }
}
