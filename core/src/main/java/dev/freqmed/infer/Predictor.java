package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;

/**
 * Predicts a foreground probability map for an image of any size, either in one pass (the task
 * resizes the image to the network's input size and the result back) or in overlapping square
 * tiles whose predictions are blended with linear ramps and accumulated on the CPU.
 */
public final class Predictor {

    private final LoadedModel model;
    private final int tile;
    private final int overlap;

    /**
     * @param model   the loaded network
     * @param tile    tile side in pixels, or 0 for one pass over the whole image
     * @param overlap overlap between neighbouring tiles in pixels ({@code 0 <= overlap < tile})
     */
    public Predictor(LoadedModel model, int tile, int overlap) {
        if (tile < 0 || overlap < 0 || (tile > 0 && overlap >= tile)) {
            throw new IllegalArgumentException("need tile >= 0 and 0 <= overlap < tile, found tile=" + tile
                    + " overlap=" + overlap);
        }
        this.model = model;
        this.tile = tile;
        this.overlap = overlap;
    }

    /**
     * The foreground probability (1, H, W) in [0, 1].
     *
     * @param image (3, H, W) in 0..255
     */
    public FloatImage predict(FloatImage image) {
        if (tile == 0 || (image.height() <= tile && image.width() <= tile)) {
            return model.task().predict(model.manager(), model.network(), image);
        }
        int h = image.height();
        int w = image.width();
        float[] acc = new float[h * w];
        float[] weight = new float[h * w];
        int stride = tile - overlap;
        for (int y0 : starts(h, tile, stride)) {
            for (int x0 : starts(w, tile, stride)) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new IllegalStateException("prediction interrupted");
                }
                int th = Math.min(tile, h - y0);
                int tw = Math.min(tile, w - x0);
                FloatImage crop = crop(image, y0, x0, th, tw);
                FloatImage p = model.task().predict(model.manager(), model.network(), crop);
                for (int y = 0; y < th; y++) {
                    float wy = ramp(y, th, overlap, y0 > 0, y0 + th < h);
                    for (int x = 0; x < tw; x++) {
                        float wgt = wy * ramp(x, tw, overlap, x0 > 0, x0 + tw < w);
                        int i = (y0 + y) * w + x0 + x;
                        acc[i] += wgt * p.get(0, y, x);
                        weight[i] += wgt;
                    }
                }
            }
        }
        for (int i = 0; i < acc.length; i++) {
            acc[i] = weight[i] > 0 ? acc[i] / weight[i] : 0f;
        }
        return new FloatImage(1, h, w, acc);
    }

    static int[] starts(int size, int tile, int stride) {
        if (size <= tile) {
            return new int[] {0};
        }
        int n = (int) Math.ceil((double) (size - tile) / stride) + 1;
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.min(i * stride, size - tile);
        }
        return s;
    }

    private static float ramp(int i, int n, int overlap, boolean fadeIn, boolean fadeOut) {
        float v = 1f;
        if (overlap > 0) {
            if (fadeIn && i < overlap) {
                v = Math.min(v, (i + 1f) / (overlap + 1f));
            }
            if (fadeOut && n - 1 - i < overlap) {
                v = Math.min(v, (n - i) / (overlap + 1f));
            }
        }
        return v;
    }

    private static FloatImage crop(FloatImage a, int y0, int x0, int h, int w) {
        float[] out = new float[a.channels() * h * w];
        for (int c = 0; c < a.channels(); c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(a.data(), (c * a.height() + y0 + y) * a.width() + x0, out, (c * h + y) * w, w);
            }
        }
        return new FloatImage(a.channels(), h, w, out);
    }
}
