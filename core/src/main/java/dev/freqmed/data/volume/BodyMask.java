package dev.freqmed.data.volume;

import java.util.ArrayDeque;

/**
 * The per-slice body mask SSL-ALPNet applies to supervoxels (spec §1.5): in each z slice, the
 * voxels above a threshold, reduced to their largest 8-connected component (the first in scan
 * order among equal sizes, as {@code argmax} of the component sizes), with holes filled (a
 * background region not 4-connected to the slice border, as {@code binary_fill_holes} with its
 * default structure). A slice without any voxel above the threshold gives an empty mask.
 */
public final class BodyMask {

    private BodyMask() {
    }

    /**
     * Computes the mask.
     *
     * @param values    the volume, x fastest (already on the scale of {@code threshold})
     * @param nx        width
     * @param ny        height
     * @param nz        slices
     * @param threshold foreground is {@code value > threshold}
     * @return 1 inside the body, 0 outside, per voxel
     */
    public static byte[] compute(double[] values, int nx, int ny, int nz, double threshold) {
        byte[] out = new byte[values.length];
        int plane = nx * ny;
        int[] comp = new int[plane];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int z = 0; z < nz; z++) {
            int base = z * plane;
            java.util.Arrays.fill(comp, 0);
            int count = 0;
            int best = 0;
            int bestSize = 0;
            for (int i = 0; i < plane; i++) {
                if (comp[i] != 0 || !(values[base + i] > threshold)) {
                    continue;
                }
                int id = ++count;
                int sizeNow = 0;
                comp[i] = id;
                queue.add(i);
                while (!queue.isEmpty()) {
                    int p = queue.poll();
                    sizeNow++;
                    int px = p % nx;
                    int py = p / nx;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int qx = px + dx;
                            int qy = py + dy;
                            if (qx < 0 || qy < 0 || qx >= nx || qy >= ny) {
                                continue;
                            }
                            int q = qx + nx * qy;
                            if (comp[q] == 0 && values[base + q] > threshold) {
                                comp[q] = id;
                                queue.add(q);
                            }
                        }
                    }
                }
                if (sizeNow > bestSize) {
                    bestSize = sizeNow;
                    best = id;
                }
            }
            if (best == 0) {
                continue;
            }
            // Background reachable from the border through 4-connected steps stays background.
            boolean[] outside = new boolean[plane];
            for (int i = 0; i < plane; i++) {
                int x = i % nx;
                int y = i / nx;
                boolean border = x == 0 || y == 0 || x == nx - 1 || y == ny - 1;
                if (border && comp[i] != best && !outside[i]) {
                    outside[i] = true;
                    queue.add(i);
                }
            }
            while (!queue.isEmpty()) {
                int p = queue.poll();
                int px = p % nx;
                int py = p / nx;
                int[][] steps = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
                for (int[] s : steps) {
                    int qx = px + s[0];
                    int qy = py + s[1];
                    if (qx < 0 || qy < 0 || qx >= nx || qy >= ny) {
                        continue;
                    }
                    int q = qx + nx * qy;
                    if (!outside[q] && comp[q] != best) {
                        outside[q] = true;
                        queue.add(q);
                    }
                }
            }
            for (int i = 0; i < plane; i++) {
                out[base + i] = (byte) (outside[i] ? 0 : 1);
            }
        }
        return out;
    }
}
