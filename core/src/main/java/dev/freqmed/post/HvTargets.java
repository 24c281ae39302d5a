package dev.freqmed.post;

import java.util.HashMap;
import java.util.Map;

/**
 * Horizontal/vertical distance targets of FPNuNet's HV branch, computed from an instance map.
 *
 * <p>For every instance of at least {@value #MIN_PIXELS} pixels, within its bounding box widened
 * by two pixels above and to the left and by one pixel below and to the right (clipped to the
 * image), with crop size {@code hc x wc}, centre of mass {@code (rho, gamma)} (mean row, mean
 * column, crop coordinates) rounded half to even:
 * <ul>
 *   <li>channel 0 at crop position {@code (u, v)} is {@code u - round(gamma)}: a ramp along the
 *       <em>rows</em>, centred on the rounded <em>column</em> centroid;
 *   <li>channel 1 is {@code v - round(rho)}: a ramp along the columns centred on the rounded row
 *       centroid;
 * </ul>
 * positive values divided by the largest positive value over the whole crop grid, negative
 * values by the magnitude of the most negative one, then kept only on the instance's pixels.
 * Smaller instances and background are 0. Arithmetic is float32 like the reference's.
 *
 * <p>Reference: spec fpnunet §7.1; {@code gen_instance_hv_map} in FPNuNet
 * {@code main_run02/h5dataloder_v21.py} (HEAD 25463e4), whose swapped {@code meshgrid} outputs
 * give the row/column assignment above (HoVer-Net's targets assign the opposite channels and
 * normalise over the instance's own pixels). Matches the reference to 1e-7 on the synthetic
 * fixture {@code testdata/nuclei-post/hv_ellipses.txt}.
 */
public final class HvTargets {

    /** Instances with fewer pixels than this get no HV target (reference: min_size=30). */
    public static final int MIN_PIXELS = 30;

    private HvTargets() {
    }

    /**
     * Computes the HV targets of one instance map.
     *
     * @param instances {@code height * width} row-major instance ids, 0 = background; ids need
     *                  not be contiguous
     * @param height    rows
     * @param width     columns
     * @return {@code [2][height * width]}: index 0 the row ramp ("horizontal" map of the
     *         reference's output order), index 1 the column ramp, values in [-1, 1]
     * @throws IllegalArgumentException if the sizes disagree or an id is negative
     */
    public static float[][] compute(int[] instances, int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("size must be positive, found " + height + "x"
                    + width);
        }
        if (instances.length != height * width) {
            throw new IllegalArgumentException("expected " + height * width
                    + " instance ids for " + height + "x" + width + ", found "
                    + instances.length);
        }
        int[] dense = new int[instances.length];
        int n = denseIds(instances, dense);
        long[] count = new long[n + 1];
        long[] sumRow = new long[n + 1];
        long[] sumCol = new long[n + 1];
        int[] r0 = new int[n + 1];
        int[] r1 = new int[n + 1];
        int[] c0 = new int[n + 1];
        int[] c1 = new int[n + 1];
        java.util.Arrays.fill(r0, Integer.MAX_VALUE);
        java.util.Arrays.fill(c0, Integer.MAX_VALUE);
        java.util.Arrays.fill(r1, -1);
        java.util.Arrays.fill(c1, -1);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int k = dense[y * width + x];
                if (k == 0) {
                    continue;
                }
                count[k]++;
                sumRow[k] += y;
                sumCol[k] += x;
                r0[k] = Math.min(r0[k], y);
                r1[k] = Math.max(r1[k], y);
                c0[k] = Math.min(c0[k], x);
                c1[k] = Math.max(c1[k], x);
            }
        }
        float[][] hv = new float[2][height * width];
        for (int k = 1; k <= n; k++) {
            if (count[k] < MIN_PIXELS) {
                continue;
            }
            // Crop: 2 px before the inclusive bbox, end exclusive at bbox end + 2 (1 px after).
            int y1 = Math.max(r0[k] - 2, 0);
            int y2 = Math.min(r1[k] + 2, height);
            int x1 = Math.max(c0[k] - 2, 0);
            int x2 = Math.min(c1[k] + 2, width);
            int hc = y2 - y1;
            int wc = x2 - x1;
            if (hc < 2 || wc < 2) {
                continue;
            }
            // Centre of mass in crop coordinates (exact integer sums, as scipy's in float64).
            double rho = (double) (sumRow[k] - (long) y1 * count[k]) / count[k];
            double gamma = (double) (sumCol[k] - (long) x1 * count[k]) / count[k];
            int rhoHat = (int) Math.rint(rho);
            int gammaHat = (int) Math.rint(gamma);
            // The reference's meshgrid swap: channel 0 = row - column centroid, channel 1 =
            // column - row centroid; extremes over the whole crop grid.
            float pos0 = hc - 1 - gammaHat;
            float neg0 = gammaHat;
            float pos1 = wc - 1 - rhoHat;
            float neg1 = rhoHat;
            for (int u = 0; u < hc; u++) {
                int row = (y1 + u) * width;
                float a = u - gammaHat;
                float va = a > 0 ? a / pos0 : a < 0 ? a / neg0 : 0f;
                for (int v = 0; v < wc; v++) {
                    int idx = row + x1 + v;
                    if (dense[idx] != k) {
                        continue;
                    }
                    float b = v - rhoHat;
                    hv[0][idx] = va;
                    hv[1][idx] = b > 0 ? b / pos1 : b < 0 ? b / neg1 : 0f;
                }
            }
        }
        return hv;
    }

    /** Writes ids 1..n (first-seen order) into {@code dense}; returns n. */
    private static int denseIds(int[] instances, int[] dense) {
        Map<Integer, Integer> ids = new HashMap<>();
        int last = 0;
        int lastDense = 0;
        for (int i = 0; i < instances.length; i++) {
            int id = instances[i];
            if (id < 0) {
                throw new IllegalArgumentException("instance ids must be non-negative, found "
                        + id + " at index " + i);
            }
            if (id == 0) {
                continue;
            }
            if (id != last) {
                last = id;
                lastDense = ids.computeIfAbsent(id, k -> ids.size() + 1);
            }
            dense[i] = lastDense;
        }
        return ids.size();
    }
}
