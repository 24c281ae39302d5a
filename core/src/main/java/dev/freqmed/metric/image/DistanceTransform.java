package dev.freqmed.metric.image;

/**
 * Exact 2-D Euclidean distance transform with the index of the nearest feature pixel, computed
 * with the separable Voronoi algorithm of Maurer et al. exactly as scipy implements it, so that
 * equidistant features are chosen as scipy chooses them (first along columns, then along rows;
 * the earlier candidate wins a tie).
 *
 * <p>Reference: {@code scipy.ndimage.distance_transform_edt(input, return_indices=True)}
 * (scipy 1.10 {@code ni_morphology.c}), where features are the zero pixels of {@code input}.
 * All arithmetic is done in {@code long}, which is exact and equals scipy's double arithmetic on
 * the same integers for images up to 2^15 pixels a side.
 */
public final class DistanceTransform {

    private final int width;
    private final int height;
    private final int[] nearest;
    private final long[] squaredDistance;

    private DistanceTransform(int width, int height, int[] nearest, long[] squaredDistance) {
        this.width = width;
        this.height = height;
        this.nearest = nearest;
        this.squaredDistance = squaredDistance;
    }

    /**
     * Computes the transform.
     *
     * @param feature {@code height * width} row-major flags; {@code true} marks a feature pixel
     *                (distance 0)
     * @return the transform; if there is no feature at all, every index is -1 and every distance
     *         {@link Long#MAX_VALUE}
     * @throws IllegalArgumentException if the array length does not match the size
     */
    public static DistanceTransform compute(boolean[] feature, int width, int height) {
        if (feature.length != width * height) {
            throw new IllegalArgumentException("expected " + width * height + " flags for "
                    + width + "x" + height + ", found " + feature.length);
        }
        int n = width * height;
        int[] fr = new int[n];
        int[] fc = new int[n];
        int maxLen = Math.max(width, height);
        int[] g = new int[maxLen];
        int[] lr = new int[maxLen];
        int[] lc = new int[maxLen];
        // Pass along axis 0 (down each column).
        for (int c = 0; c < width; c++) {
            for (int r = 0; r < height; r++) {
                int p = r * width + c;
                lr[r] = feature[p] ? r : -1;
                lc[r] = c;
            }
            voronoi(lr, lc, height, 0, c, g);
            for (int r = 0; r < height; r++) {
                int p = r * width + c;
                fr[p] = lr[r];
                fc[p] = lc[r];
            }
        }
        // Pass along axis 1 (along each row).
        for (int r = 0; r < height; r++) {
            int base = r * width;
            System.arraycopy(fr, base, lr, 0, width);
            System.arraycopy(fc, base, lc, 0, width);
            voronoi(lr, lc, width, 1, r, g);
            System.arraycopy(lr, 0, fr, base, width);
            System.arraycopy(lc, 0, fc, base, width);
        }
        int[] nearest = new int[n];
        long[] d2 = new long[n];
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                int p = r * width + c;
                if (fr[p] < 0) {
                    nearest[p] = -1;
                    d2[p] = Long.MAX_VALUE;
                } else {
                    long dr = fr[p] - r;
                    long dc = fc[p] - c;
                    nearest[p] = fr[p] * width + fc[p];
                    d2[p] = dr * dr + dc * dc;
                }
            }
        }
        return new DistanceTransform(width, height, nearest, d2);
    }

    /**
     * One line of the transform. {@code fr/fc} hold the current feature (row, column) of each
     * position, {@code fr < 0} meaning none; {@code axis} is the axis the line runs along and
     * {@code fixed} the coordinate of the line on the other axis.
     */
    private static void voronoi(int[] fr, int[] fc, int len, int axis, int fixed, int[] g) {
        int l = -1;
        for (int i = 0; i < len; i++) {
            if (fr[i] < 0) {
                continue;
            }
            long fd = axis == 0 ? fr[i] : fc[i];
            long wo = (axis == 0 ? fc[i] : fr[i]) - fixed;
            long wR = wo * wo;
            while (l >= 1) {
                int i1 = g[l];
                int i2 = g[l - 1];
                long f1 = axis == 0 ? fr[i1] : fc[i1];
                long f2 = axis == 0 ? fr[i2] : fc[i2];
                long a = f1 - f2;
                long b = fd - f1;
                long c = a + b;
                long tu = (axis == 0 ? fc[i2] : fr[i2]) - fixed;
                long tv = (axis == 0 ? fc[i1] : fr[i1]) - fixed;
                long uR = tu * tu;
                long vR = tv * tv;
                if (c * vR - b * uR - a * wR - a * b * c <= 0) {
                    break;
                }
                l--;
            }
            l++;
            g[l] = i;
        }
        int maxl = l;
        if (maxl < 0) {
            return;
        }
        // Copy the candidates' features before overwriting the line.
        int[] gr = new int[maxl + 1];
        int[] gc = new int[maxl + 1];
        for (int k = 0; k <= maxl; k++) {
            gr[k] = fr[g[k]];
            gc[k] = fc[g[k]];
        }
        l = 0;
        for (int i = 0; i < len; i++) {
            long d1 = dist(gr[l], gc[l], axis, i, fixed);
            while (l < maxl) {
                long d2 = dist(gr[l + 1], gc[l + 1], axis, i, fixed);
                if (d1 <= d2) {
                    break;
                }
                d1 = d2;
                l++;
            }
            fr[i] = gr[l];
            fc[i] = gc[l];
        }
    }

    private static long dist(int r, int c, int axis, int i, int fixed) {
        long dr = axis == 0 ? r - i : r - fixed;
        long dc = axis == 0 ? c - fixed : c - i;
        return dr * dr + dc * dc;
    }

    /** Image width. */
    public int width() {
        return width;
    }

    /** Image height. */
    public int height() {
        return height;
    }

    /** Row-major index of the nearest feature pixel of pixel {@code p} (-1 if none exists). */
    public int nearest(int p) {
        return nearest[p];
    }

    /** Squared Euclidean distance of pixel {@code p} to its nearest feature, in pixels². */
    public long squaredDistance(int p) {
        return squaredDistance[p];
    }

    /** Euclidean distance of pixel {@code p} to its nearest feature, in pixels. */
    public double distance(int p) {
        return Math.sqrt((double) squaredDistance[p]);
    }
}
