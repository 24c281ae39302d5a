package dev.freqmed.metric.image;

import java.util.Arrays;

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
    /**
     * Squared distances when they fit in an int (sides up to about 32768),
     * {@link Integer#MAX_VALUE} for none.
     */
    private final int[] squaredInt;
    /** Squared distances of larger images, {@link Long#MAX_VALUE} for none. */
    private final long[] squaredLong;

    private DistanceTransform(int width, int height, int[] nearest, int[] squaredInt,
                              long[] squaredLong) {
        this.width = width;
        this.height = height;
        this.nearest = nearest;
        this.squaredInt = squaredInt;
        this.squaredLong = squaredLong;
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
        int[] colRow = new int[n];
        columnPass(feature, width, height, colRow);
        int[] nearest = new int[n];
        boolean small = (long) (height - 1) * (height - 1) + (long) (width - 1) * (width - 1)
                < Integer.MAX_VALUE;
        int[] d2i = small ? new int[n] : null;
        long[] d2l = small ? null : new long[n];
        rowPass(colRow, width, height, nearest, d2i, d2l);
        return new DistanceTransform(width, height, nearest, d2i, d2l);
    }

    /**
     * The same transform written into caller-supplied arrays, which may be reused between images
     * and may be longer than {@code width * height}.
     *
     * @param feature  {@code height * width} row-major flags, {@code true} marks a feature pixel
     * @param scratch  working array of at least {@code width * height} entries
     * @param nearest  receives the row-major index of the nearest feature (-1 if none exists)
     * @param squared  receives the squared distance, saturated at {@link Integer#MAX_VALUE}
     *                 (which is also the value where no feature exists; no exact squared distance
     *                 equals it, as 2^31 - 1 is not a sum of two squares)
     * @throws IllegalArgumentException if an array is too short for the size
     */
    public static void computeInto(boolean[] feature, int width, int height, int[] scratch,
                                   int[] nearest, int[] squared) {
        int n = width * height;
        if (feature.length != n || scratch.length < n || nearest.length < n
                || squared.length < n) {
            throw new IllegalArgumentException("expected " + n + " flags and arrays of at least "
                    + n + " entries for " + width + "x" + height + ", found " + feature.length
                    + " flags and arrays of " + scratch.length + ", " + nearest.length + ", "
                    + squared.length);
        }
        columnPass(feature, width, height, scratch);
        rowPass(scratch, width, height, nearest, squared, null);
    }

    /**
     * Pass along axis 0: every feature of a column is a Voronoi candidate, so the result is the
     * nearest feature in the column, the upper one on a tie (scipy keeps the earlier candidate).
     * Done for all columns at once, row by row, for cache locality; -1 where the column has none.
     */
    private static void columnPass(boolean[] feature, int width, int height, int[] colRow) {
        int[] last = new int[width];
        Arrays.fill(last, -1);
        for (int r = 0; r < height; r++) {
            int base = r * width;
            for (int c = 0; c < width; c++) {
                if (feature[base + c]) {
                    last[c] = r;
                }
                colRow[base + c] = last[c];
            }
        }
        Arrays.fill(last, -1);
        for (int r = height - 1; r >= 0; r--) {
            int base = r * width;
            for (int c = 0; c < width; c++) {
                if (feature[base + c]) {
                    last[c] = r;
                }
                int below = last[c];
                int above = colRow[base + c];
                if (below >= 0 && (above < 0 || below - r < r - above)) {
                    colRow[base + c] = below;
                }
            }
        }
    }

    /**
     * Pass along axis 1 (each row), scipy's Voronoi construction and query. The stack holds the
     * candidate columns and their squared vertical offsets (the same integers scipy recomputes
     * from the column pass). Squared distances go to {@code d2l} when it is given, otherwise to
     * {@code d2i} saturated at {@link Integer#MAX_VALUE}.
     */
    private static void rowPass(int[] colRow, int width, int height, int[] nearest, int[] d2i,
                                long[] d2l) {
        int[] g = new int[width];
        long[] fq = new long[width];
        for (int r = 0; r < height; r++) {
            int base = r * width;
            int l = -1;
            for (int i = 0; i < width; i++) {
                int fr = colRow[base + i];
                if (fr < 0) {
                    continue;
                }
                long wo = fr - r;
                long wR = wo * wo;
                while (l >= 1) {
                    long a = g[l] - g[l - 1];
                    long b = i - g[l];
                    long c = a + b;
                    if (c * fq[l] - b * fq[l - 1] - a * wR - a * b * c <= 0) {
                        break;
                    }
                    l--;
                }
                g[++l] = i;
                fq[l] = wR;
            }
            int maxl = l;
            if (maxl < 0) {
                for (int i = 0; i < width; i++) {
                    nearest[base + i] = -1;
                    if (d2l == null) {
                        d2i[base + i] = Integer.MAX_VALUE;
                    } else {
                        d2l[base + i] = Long.MAX_VALUE;
                    }
                }
                continue;
            }
            l = 0;
            for (int i = 0; i < width; i++) {
                long dc = g[l] - i;
                long d1 = fq[l] + dc * dc;
                while (l < maxl) {
                    long ec = g[l + 1] - i;
                    long e2 = fq[l + 1] + ec * ec;
                    if (d1 <= e2) {
                        break;
                    }
                    d1 = e2;
                    l++;
                }
                nearest[base + i] = colRow[base + g[l]] * width + g[l];
                if (d2l == null) {
                    d2i[base + i] = (int) Math.min(d1, Integer.MAX_VALUE);
                } else {
                    d2l[base + i] = d1;
                }
            }
        }
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
        if (squaredInt != null) {
            int d = squaredInt[p];
            return d == Integer.MAX_VALUE ? Long.MAX_VALUE : d;
        }
        return squaredLong[p];
    }

    /** Euclidean distance of pixel {@code p} to its nearest feature, in pixels. */
    public double distance(int p) {
        return Math.sqrt((double) squaredDistance(p));
    }
}
