package dev.freqmed.infer;

import dev.freqmed.io.RgbImage;
import java.util.List;

/**
 * Grey slices with optional mask overlays tiled into one RGB image (rows of panels): volume
 * overlays ({@link VolumeWriter}) and the few-shot evaluation figure.
 */
public final class Montage {

    /**
     * One panel: a slice (any range, min–max stretched) and an optional mask drawn in red.
     *
     * @param side  panel side
     * @param image side × side values
     * @param mask  side × side 0/1, or null
     */
    public record Panel(int side, float[] image, float[] mask) {
    }

    private Montage() {
    }

    /**
     * Tiles rows of panels (all of one side) with a 2-pixel gap.
     *
     * @param rows rows of panels, each row the same length
     * @return the RGB image
     */
    public static RgbImage of(List<List<Panel>> rows) {
        int side = rows.get(0).get(0).side();
        int cols = rows.get(0).size();
        int gap = 2;
        int w = cols * side + (cols - 1) * gap;
        int h = rows.size() * side + (rows.size() - 1) * gap;
        byte[] px = new byte[w * h * 3];
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < cols; c++) {
                Panel p = rows.get(r).get(c);
                float lo = Float.POSITIVE_INFINITY;
                float hi = Float.NEGATIVE_INFINITY;
                for (float v : p.image()) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                float range = hi > lo ? hi - lo : 1;
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        int i = y * side + x;
                        int g = Math.round(255 * (p.image()[i] - lo) / range);
                        int red = g;
                        int green = g;
                        int blue = g;
                        if (p.mask() != null && p.mask()[i] > 0.5f) {
                            red = (g + 255) / 2;
                            green = g / 2;
                            blue = g / 2;
                        }
                        int o = (((r * (side + gap)) + y) * w + c * (side + gap) + x) * 3;
                        px[o] = (byte) red;
                        px[o + 1] = (byte) green;
                        px[o + 2] = (byte) blue;
                    }
                }
            }
        }
        return new RgbImage(w, h, px);
    }
}
