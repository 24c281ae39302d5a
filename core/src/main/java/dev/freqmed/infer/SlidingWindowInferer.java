package dev.freqmed.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.FloatImage;
import dev.freqmed.tensor.HostArrays;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * Runs a network over an image in overlapping windows and stitches its output maps on the CPU,
 * for every task (the model is MONAI's {@code sliding_window_inference}).
 *
 * <ul>
 *   <li>The image is zero-padded at the bottom and right to a multiple of the task's stride; the
 *       stitched maps are cropped back.
 *   <li>{@code window = 0}, or an image no larger than the window: one window over the whole
 *       (padded) image. Otherwise windows of {@code window × window} (a multiple of the stride)
 *       start every {@code window − overlap} pixels, the last one flush with the border;
 *       {@code overlap} must be at least the task's margin.
 *   <li>Overlaps are blended with weights that are linear ramps across the overlap (1 at borders
 *       of the image) or a Gaussian centred on the window (σ = window / 8, floored at 1e-3).
 *   <li>Windows are batched; between batches the thread's interrupt flag is checked (a
 *       {@link CancellationException} ends the run) and progress is reported.
 *   <li>Memory: the stitched maps and their weights on the CPU, plus one batch of windows on
 *       the engine.
 * </ul>
 */
public final class SlidingWindowInferer {

    /** How overlapping windows are weighted. */
    public enum Blending {
        /** Linear ramps across each overlap; flat elsewhere. */
        LINEAR,
        /** A Gaussian importance map (σ = window / 8). */
        GAUSSIAN
    }

    /** Receives progress: windows done out of all windows of the image. */
    @FunctionalInterface
    public interface Progress {
        /** Called after each batch. */
        void windows(int done, int total);
    }

    private final int window;
    private final int overlap;
    private final int batch;
    private final Blending blending;
    private final Progress progress;

    /**
     * The inferer of the command-line options {@code --tile --overlap --tile-batch --blend}: the
     * overlap is clipped to {@code tile - 1}, and ignored when {@code tile} is 0 (one pass).
     *
     * @param tile      window side, or 0 for the whole image
     * @param overlap   requested overlap
     * @param tileBatch windows per forward pass
     * @param blending  how overlaps are weighted
     * @return an inferer without a progress receiver
     */
    public static SlidingWindowInferer ofOptions(int tile, int overlap, int tileBatch, Blending blending) {
        return new SlidingWindowInferer(tile, tile > 0 ? Math.min(overlap, tile - 1) : 0, tileBatch, blending, null);
    }

    /**
     * @param window   window side in working-resolution pixels, or 0 for the whole image
     * @param overlap  overlap between neighbouring windows ({@code 0 <= overlap < window})
     * @param batch    windows per forward pass, at least 1
     * @param blending how overlaps are weighted
     * @param progress progress receiver, or null
     */
    public SlidingWindowInferer(int window, int overlap, int batch, Blending blending,
            Progress progress) {
        if (window < 0 || overlap < 0 || (window > 0 && overlap >= window) || batch < 1) {
            throw new IllegalArgumentException("need window >= 0, 0 <= overlap < window and"
                    + " batch >= 1, found window=" + window + " overlap=" + overlap + " batch="
                    + batch);
        }
        this.window = window;
        this.overlap = overlap;
        this.batch = batch;
        this.blending = blending;
        this.progress = progress;
    }

    /** One pass over the whole image. */
    public static SlidingWindowInferer whole() {
        return new SlidingWindowInferer(0, 0, 1, Blending.LINEAR, null);
    }

    /**
     * Runs the network over {@code input} and returns its stitched maps.
     *
     * @param manager engine manager for the windows (a sub-manager per batch is used)
     * @param network the network
     * @param task    the task (stride, margin, forward)
     * @param input   the prepared input (C, H, W)
     * @return the maps by name, each (K, H, W)
     * @throws IllegalArgumentException when the window is not a multiple of the stride or the
     *                                  overlap is below the task's margin
     * @throws CancellationException    when the thread is interrupted
     */
    public Map<String, FloatImage> run(NDManager manager, Block network, InferenceAdapter task,
            FloatImage input) {
        int stride = task.stride();
        int c = input.channels();
        int h = input.height();
        int w = input.width();
        int ph = roundUp(h, stride);
        int pw = roundUp(w, stride);
        int wh;
        int ww;
        if (window == 0 || (ph <= window && pw <= window)) {
            wh = ph;
            ww = pw;
        } else {
            if (window % stride != 0) {
                throw new IllegalArgumentException("window " + window + " must be a multiple of"
                        + " the network's stride " + stride);
            }
            if (overlap < task.margin()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "overlap %d is"
                        + " below this network's margin of %d pixels (its windows would show"
                        + " seams); use --overlap %d or more", overlap, task.margin(),
                        task.margin()));
            }
            wh = Math.min(window, ph);
            ww = Math.min(window, pw);
        }
        FloatImage padded = pad(input, ph, pw);
        int[] ys = starts(ph, wh, wh - Math.min(overlap, wh - 1));
        int[] xs = starts(pw, ww, ww - Math.min(overlap, ww - 1));
        List<int[]> origins = new ArrayList<>();
        for (int y0 : ys) {
            for (int x0 : xs) {
                origins.add(new int[] {y0, x0});
            }
        }
        float[] weight = weights(wh, ww, ys.length > 1, xs.length > 1);
        Map<String, float[]> acc = new LinkedHashMap<>();
        Map<String, Integer> channels = new LinkedHashMap<>();
        float[] norm = new float[ph * pw];
        int done = 0;
        for (int start = 0; start < origins.size(); start += batch) {
            if (Thread.interrupted()) {
                throw new CancellationException("prediction interrupted");
            }
            List<int[]> part = origins.subList(start, Math.min(origins.size(), start + batch));
            float[] stack = new float[part.size() * c * wh * ww];
            for (int b = 0; b < part.size(); b++) {
                crop(padded, part.get(b)[0], part.get(b)[1], wh, ww, stack, b * c * wh * ww);
            }
            try (NDManager sub = manager.newSubManager()) {
                NDArray x = HostArrays.of(sub, stack, new Shape(part.size(), c, wh, ww));
                NDList out = task.forward(network, new ParameterStore(sub, false), x);
                for (NDArray map : out) {
                    String name = map.getName() == null || map.getName().isEmpty()
                            ? "OUTPUT" + acc.size() : map.getName();
                    Shape s = map.getShape();
                    if (s.dimension() != 4 || s.get(0) != part.size() || s.get(2) != wh
                            || s.get(3) != ww) {
                        throw new IllegalStateException("map " + name + " is " + s
                                + ", expected (" + part.size() + ", K, " + wh + ", " + ww + ")");
                    }
                    int k = (int) s.get(1);
                    channels.putIfAbsent(name, k);
                    float[] a = acc.computeIfAbsent(name, n -> new float[k * ph * pw]);
                    float[] v = map.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                            .toFloatArray();
                    for (int b = 0; b < part.size(); b++) {
                        add(v, b * k * wh * ww, k, wh, ww, weight, a, ph, pw, part.get(b));
                    }
                }
            }
            for (int[] o : part) {
                for (int y = 0; y < wh; y++) {
                    int row = (o[0] + y) * pw + o[1];
                    for (int x = 0; x < ww; x++) {
                        norm[row + x] += weight[y * ww + x];
                    }
                }
            }
            done += part.size();
            if (progress != null) {
                progress.windows(done, origins.size());
            }
        }
        Map<String, FloatImage> result = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : acc.entrySet()) {
            int k = channels.get(e.getKey());
            float[] a = e.getValue();
            float[] out = new float[k * h * w];
            for (int ch = 0; ch < k; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float n = norm[y * pw + x];
                        out[(ch * h + y) * w + x] = n > 0 ? a[(ch * ph + y) * pw + x] / n : 0f;
                    }
                }
            }
            result.put(e.getKey(), new FloatImage(k, h, w, out));
        }
        return result;
    }

    private static void add(float[] v, int offset, int k, int wh, int ww, float[] weight,
            float[] acc, int ph, int pw, int[] origin) {
        for (int ch = 0; ch < k; ch++) {
            for (int y = 0; y < wh; y++) {
                int src = offset + (ch * wh + y) * ww;
                int dst = (ch * ph + origin[0] + y) * pw + origin[1];
                for (int x = 0; x < ww; x++) {
                    acc[dst + x] += weight[y * ww + x] * v[src + x];
                }
            }
        }
    }

    private float[] weights(int wh, int ww, boolean tiledY, boolean tiledX) {
        float[] out = new float[wh * ww];
        if (blending == Blending.GAUSSIAN && (tiledY || tiledX)) {
            double sy = wh / 8.0;
            double sx = ww / 8.0;
            for (int y = 0; y < wh; y++) {
                double dy = (y - (wh - 1) / 2.0) / sy;
                for (int x = 0; x < ww; x++) {
                    double dx = (x - (ww - 1) / 2.0) / sx;
                    out[y * ww + x] = (float) Math.max(1e-3, Math.exp(-0.5 * (dy * dy + dx * dx)));
                }
            }
            return out;
        }
        int ov = Math.min(overlap, Math.min(wh, ww) - 1);
        for (int y = 0; y < wh; y++) {
            float fy = tiledY ? ramp(y, wh, ov) : 1f;
            for (int x = 0; x < ww; x++) {
                out[y * ww + x] = fy * (tiledX ? ramp(x, ww, ov) : 1f);
            }
        }
        return out;
    }

    /**
     * Weight of position {@code i} of {@code n}: rising over the first {@code overlap} pixels and
     * falling over the last; neighbouring windows' weights sum to a positive constant there. At the
     * image border the ramp is harmless: the border pixels are covered by one window only, and
     * the normalisation by the summed weights restores their values.
     */
    private static float ramp(int i, int n, int overlap) {
        if (overlap <= 0) {
            return 1f;
        }
        float v = 1f;
        if (i < overlap) {
            v = Math.min(v, (i + 1f) / (overlap + 1f));
        }
        if (n - 1 - i < overlap) {
            v = Math.min(v, (n - i) / (overlap + 1f));
        }
        return v;
    }

    /** Window origins along one axis: every {@code step}, the last flush with the end. */
    static int[] starts(int size, int window, int step) {
        if (size <= window) {
            return new int[] {0};
        }
        int n = (int) Math.ceil((double) (size - window) / step) + 1;
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.min(i * step, size - window);
        }
        return s;
    }

    private static int roundUp(int v, int m) {
        return (v + m - 1) / m * m;
    }

    private static FloatImage pad(FloatImage a, int ph, int pw) {
        if (a.height() == ph && a.width() == pw) {
            return a;
        }
        float[] out = new float[a.channels() * ph * pw];
        for (int ch = 0; ch < a.channels(); ch++) {
            for (int y = 0; y < a.height(); y++) {
                System.arraycopy(a.data(), (ch * a.height() + y) * a.width(), out,
                        (ch * ph + y) * pw, a.width());
            }
        }
        return new FloatImage(a.channels(), ph, pw, out);
    }

    private static void crop(FloatImage a, int y0, int x0, int h, int w, float[] dst, int off) {
        for (int ch = 0; ch < a.channels(); ch++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(a.data(), (ch * a.height() + y0 + y) * a.width() + x0, dst,
                        off + (ch * h + y) * w, w);
            }
        }
    }
}
