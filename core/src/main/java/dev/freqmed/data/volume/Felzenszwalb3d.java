package dev.freqmed.data.volume;

import java.util.Arrays;

/**
 * Felzenszwalb–Huttenlocher graph segmentation of a 3-D volume on the 26-neighbourhood, as
 * SSL-ALPNet's {@code felzenszwalb_3d} (a Cython port of scikit-image's 2-D code) computes the
 * supervoxel pseudo-labels FAF-Net trains on (spec §1.5).
 *
 * <p>Input: a volume, x fastest, then y, then z ({@code data[x + nx·(y + ny·z)]}, the memory
 * order of a NIfTI volume and of the reference's (Z, H, W) array). It is rescaled to
 * {@code 255·(v − min)/(max − min)}; there is no smoothing (σ = 0).
 *
 * <p>Graph: 13 undirected edge directions; edge cost {@code sqrt(w)·|ΔI|} with {@code w = 1}
 * in-plane, {@code s²} along z, {@code (1+s²)/2} on the z-diagonals and {@code (2+s²)/3} on the
 * 3-D diagonals, {@code s = spacing_z / spacing_xy}.
 *
 * <p>Pass 1: over edges sorted by cost, two components merge when the cost is below
 * {@code min(Int(a) + k/|a|, Int(b) + k/|b|)}, {@code k = scale/255}, the merged internal
 * difference becoming the cost. The reference applies {@code k = 1/255} to intensities in
 * [0, 255], so this pass joins (nearly) equal neighbours only and segments come from pass 2;
 * that behaviour is kept on purpose. Pass 2: over the same order, two components merge when
 * either is smaller than {@code minSize}. Components are labelled 0..K−1 in the order of their
 * lowest voxel index (the reference's {@code np.unique(..., return_inverse)} over union-find
 * roots, which are the lowest index of each component).
 */
public final class Felzenszwalb3d {

    private static final int[][] DIRECTIONS = {
        {0, 1, 0}, {0, 0, 1}, {0, 1, 1}, {0, 1, -1},
        {1, 0, 0},
        {1, 1, 0}, {1, -1, 0}, {1, 0, 1}, {1, 0, -1},
        {1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {1, -1, -1}};

    private Felzenszwalb3d() {
    }

    /**
     * The edge weight of each of the 13 directions (dz, dy, dx) for a z/xy spacing ratio.
     *
     * @param s {@code spacing_z / spacing_xy}
     * @return 13 weights in the order of the directions
     */
    static double[] weights(double s) {
        double[] w = new double[DIRECTIONS.length];
        for (int d = 0; d < w.length; d++) {
            int[] dir = DIRECTIONS[d];
            int inPlane = Math.abs(dir[1]) + Math.abs(dir[2]);
            if (dir[0] == 0) {
                w[d] = 1;
            } else if (inPlane == 0) {
                w[d] = s * s;
            } else if (inPlane == 1) {
                w[d] = (1 + s * s) / 2;
            } else {
                w[d] = (2 + s * s) / 3;
            }
        }
        return w;
    }

    /**
     * Segments a volume.
     *
     * @param data         the voxels, x fastest
     * @param nx           width
     * @param ny           height
     * @param nz           slices
     * @param scale        the reference's {@code scale} (k = scale/255; the reference uses 1)
     * @param minSize      smallest component after pass 2, in voxels
     * @param spacingRatio {@code spacing_z / spacing_xy}
     * @return a label per voxel, 0..K−1
     * @throws IllegalArgumentException for sizes that do not match or a volume of more than
     *                                  2^31/13 voxels
     */
    public static int[] segment(float[] data, int nx, int ny, int nz, double scale, int minSize,
            double spacingRatio) {
        long n = (long) nx * ny * nz;
        if (nx < 1 || ny < 1 || nz < 1 || n != data.length) {
            throw new IllegalArgumentException("volume " + nx + "x" + ny + "x" + nz + " needs "
                    + n + " voxels, found " + data.length);
        }
        if (n * DIRECTIONS.length >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("volume of " + n + " voxels is too large for"
                    + " supervoxels (at most " + Integer.MAX_VALUE / DIRECTIONS.length + ")");
        }
        double[] img = rescale255(data);
        double[] sw = weights(spacingRatio);
        for (int d = 0; d < sw.length; d++) {
            sw[d] = Math.sqrt(sw[d]);
        }
        // Each edge as one long: the float bits of its (non-negative) cost above the edge id
        // (voxel·13 + direction), so one primitive sort orders by cost, then by id.
        // DEVIATION: the reference sorts float64 costs with numpy's unstable quicksort; ties
        // are broken here by edge id and costs are compared in float32, so segmentations can
        // differ where costs tie or differ below float32 precision.
        long[] edges = new long[(int) (n * DIRECTIONS.length)];
        int m = 0;
        for (int z = 0; z < nz; z++) {
            for (int y = 0; y < ny; y++) {
                for (int x = 0; x < nx; x++) {
                    int a = x + nx * (y + ny * z);
                    for (int d = 0; d < DIRECTIONS.length; d++) {
                        int z2 = z + DIRECTIONS[d][0];
                        int y2 = y + DIRECTIONS[d][1];
                        int x2 = x + DIRECTIONS[d][2];
                        if (z2 >= nz || y2 < 0 || y2 >= ny || x2 < 0 || x2 >= nx) {
                            continue;
                        }
                        int b = x2 + nx * (y2 + ny * z2);
                        float cost = (float) (sw[d] * Math.abs(img[a] - img[b]));
                        edges[m++] = ((long) Float.floatToIntBits(cost) << 32)
                                | ((long) a * DIRECTIONS.length + d);
                    }
                }
            }
        }
        long[] sorted = Arrays.copyOf(edges, m);
        edges = null;
        Arrays.sort(sorted);
        int[] forest = new int[(int) n];
        int[] size = new int[(int) n];
        float[] internal = new float[(int) n];
        for (int i = 0; i < n; i++) {
            forest[i] = i;
            size[i] = 1;
        }
        int[] offsets = new int[DIRECTIONS.length];
        for (int d = 0; d < offsets.length; d++) {
            offsets[d] = DIRECTIONS[d][2] + nx * (DIRECTIONS[d][1] + ny * DIRECTIONS[d][0]);
        }
        float k = (float) (scale / 255.0);
        for (long e : sorted) {
            int id = (int) (e & 0xffffffffL);
            int a = id / DIRECTIONS.length;
            int r0 = find(forest, a);
            int r1 = find(forest, a + offsets[id % DIRECTIONS.length]);
            if (r0 == r1) {
                continue;
            }
            float cost = Float.intBitsToFloat((int) (e >>> 32));
            float t0 = internal[r0] + k / size[r0];
            float t1 = internal[r1] + k / size[r1];
            if (cost < Math.min(t0, t1)) {
                int root = join(forest, r0, r1);
                size[root] = size[r0] + size[r1];
                internal[root] = cost;
            }
        }
        for (long e : sorted) {
            int id = (int) (e & 0xffffffffL);
            int a = id / DIRECTIONS.length;
            int r0 = find(forest, a);
            int r1 = find(forest, a + offsets[id % DIRECTIONS.length]);
            if (r0 == r1) {
                continue;
            }
            if (size[r0] < minSize || size[r1] < minSize) {
                int root = join(forest, r0, r1);
                size[root] = size[r0] + size[r1];
            }
        }
        int[] labels = new int[(int) n];
        int[] labelOfRoot = new int[(int) n];
        Arrays.fill(labelOfRoot, -1);
        int next = 0;
        for (int i = 0; i < n; i++) {
            int r = find(forest, i);
            if (labelOfRoot[r] < 0) {
                labelOfRoot[r] = next++;
            }
            labels[i] = labelOfRoot[r];
        }
        return labels;
    }

    /** {@code 255·(v − min)/(max − min)}; all zeros for a constant volume. */
    static double[] rescale255(float[] data) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (float v : data) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double ptp = hi - lo;
        double[] out = new double[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = ptp > 0 ? 255.0 * (data[i] - lo) / ptp : 0;
        }
        return out;
    }

    private static int find(int[] forest, int n) {
        int root = n;
        while (forest[root] < root) {
            root = forest[root];
        }
        while (forest[n] < n) {
            int j = forest[n];
            forest[n] = root;
            n = j;
        }
        return root;
    }

    /** Joins two roots under the lower one (scikit-image {@code join_trees}); returns it. */
    private static int join(int[] forest, int r0, int r1) {
        int root = Math.min(r0, r1);
        forest[r0] = root;
        forest[r1] = root;
        return root;
    }
}
