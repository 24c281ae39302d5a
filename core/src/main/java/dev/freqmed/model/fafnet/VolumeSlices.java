package dev.freqmed.model.fafnet;

import dev.freqmed.data.nifti.NiftiVolume;

/**
 * One volume as slices at the network's side: the image z-scored with the mean and standard
 * deviation of the whole volume (spec §1.4), then every z slice resampled to side × side
 * (bilinear with aligned corners); labels and supervoxels resampled by nearest neighbour on the
 * same grid. Slices are (y, x) row-major, x the NIfTI's first axis.
 *
 * @param id          the volume id (from {@code image_<id>})
 * @param depth       slices
 * @param side        slice side
 * @param image       depth × side × side z-scored values
 * @param label       organ labels (0 = background), or null
 * @param supervoxels supervoxel ids (0 = outside the body), or null
 */
public record VolumeSlices(String id, int depth, int side, float[] image, int[] label,
                           int[] supervoxels) {

    /**
     * Builds the slices of a volume.
     *
     * @param id          volume id
     * @param image       the image volume (3-D)
     * @param label       its label volume on the same grid, or null
     * @param supervoxels its supervoxel volume on the same grid, or null
     * @param side        slice side
     * @throws IllegalArgumentException naming the volume when grids differ
     */
    public static VolumeSlices of(String id, NiftiVolume image, NiftiVolume label,
            NiftiVolume supervoxels, int side) {
        int nx = image.dim(0);
        int ny = image.dim(1);
        int nz = image.dim(2);
        for (NiftiVolume other : new NiftiVolume[] {label, supervoxels}) {
            if (other != null && (other.dim(0) != nx || other.dim(1) != ny
                    || other.dim(2) != nz)) {
                throw new IllegalArgumentException("volume " + id + ": image is " + nx + "x" + ny
                        + "x" + nz + " but a label/supervoxel volume is " + other.dim(0) + "x"
                        + other.dim(1) + "x" + other.dim(2));
            }
        }
        float[] d = image.data();
        double mean = 0;
        for (float v : d) {
            mean += v;
        }
        mean /= d.length;
        double var = 0;
        for (float v : d) {
            var += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(var / d.length);
        double scale = std > 0 ? 1 / std : 1;
        int plane = side * side;
        float[] img = new float[nz * plane];
        int[] lbl = label == null ? null : new int[nz * plane];
        int[] sv = supervoxels == null ? null : new int[nz * plane];
        double fy = side > 1 ? (ny - 1.0) / (side - 1) : 0;
        double fx = side > 1 ? (nx - 1.0) / (side - 1) : 0;
        for (int z = 0; z < nz; z++) {
            int base = z * nx * ny;
            for (int y = 0; y < side; y++) {
                double sy = y * fy;
                int y0 = (int) Math.floor(sy);
                int y1 = Math.min(y0 + 1, ny - 1);
                double wy = sy - y0;
                int ny0 = (int) Math.min(ny - 1, Math.round(sy));
                for (int x = 0; x < side; x++) {
                    double sx = x * fx;
                    int x0 = (int) Math.floor(sx);
                    int x1 = Math.min(x0 + 1, nx - 1);
                    double wx = sx - x0;
                    double v = (1 - wy) * ((1 - wx) * d[base + y0 * nx + x0]
                            + wx * d[base + y0 * nx + x1])
                            + wy * ((1 - wx) * d[base + y1 * nx + x0] + wx * d[base + y1 * nx + x1]);
                    int o = z * plane + y * side + x;
                    img[o] = (float) ((v - mean) * scale);
                    int nn = base + ny0 * nx + (int) Math.min(nx - 1, Math.round(sx));
                    if (lbl != null) {
                        lbl[o] = Math.round(label.data()[nn]);
                    }
                    if (sv != null) {
                        sv[o] = Math.round(supervoxels.data()[nn]);
                    }
                }
            }
        }
        return new VolumeSlices(id, nz, side, img, lbl, sv);
    }

    /** Slice {@code z} of the image (side × side). */
    public float[] imageSlice(int z) {
        float[] out = new float[side * side];
        System.arraycopy(image, z * side * side, out, 0, out.length);
        return out;
    }

    /** Slice {@code z} of {@code labels} as a 0/1 mask of {@code id}. */
    public static float[] mask(int[] labels, int side, int z, int id) {
        float[] out = new float[side * side];
        int base = z * side * side;
        for (int i = 0; i < out.length; i++) {
            out[i] = labels[base + i] == id ? 1 : 0;
        }
        return out;
    }

    /** Pixels of label {@code id} in slice {@code z} of {@code labels}. */
    public static int count(int[] labels, int side, int z, int id) {
        int base = z * side * side;
        int n = 0;
        for (int i = 0; i < side * side; i++) {
            n += labels[base + i] == id ? 1 : 0;
        }
        return n;
    }

    /** The slices (ascending) where the organ label {@code id} occurs. */
    public int[] organSlices(int id) {
        int plane = side * side;
        return java.util.stream.IntStream.range(0, depth).filter(z -> {
            for (int i = 0; i < plane; i++) {
                if (label[z * plane + i] == id) {
                    return true;
                }
            }
            return false;
        }).toArray();
    }
}
