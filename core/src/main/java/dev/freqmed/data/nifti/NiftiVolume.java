package dev.freqmed.data.nifti;

import java.util.Arrays;

/**
 * A NIfTI-1 volume with its values scaled by {@code scl_slope}/{@code scl_inter} (when the slope
 * is non-zero) and stored as float32, x fastest, then y, then z (then t...).
 *
 * @param dims     sizes of the used dimensions ({@code dim[1..dim[0]]}), x first
 * @param spacing  voxel sizes of those dimensions ({@code pixdim[1..]}), in the file's units
 * @param datatype the NIfTI datatype code of the stored values (2 = uint8, 4 = int16, ...)
 * @param slope    {@code scl_slope} as stored (0 means no scaling)
 * @param inter    {@code scl_inter} as stored
 * @param data     the scaled values; values of magnitude above 2^24 lose precision in float32
 */
public record NiftiVolume(int[] dims, float[] spacing, int datatype, float slope, float inter,
                          float[] data) {

    /** Validates that the data length is the product of the dimensions. */
    public NiftiVolume {
        long n = 1;
        for (int d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("NIfTI dimensions must be positive, found "
                        + Arrays.toString(dims));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("NIfTI volume " + Arrays.toString(dims)
                    + " needs " + n + " values, found " + data.length);
        }
    }

    /** Number of voxels. */
    public int size() {
        return data.length;
    }

    /** Size along dimension {@code i} (0 = x), 1 beyond the used dimensions. */
    public int dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    /** The value at (x, y, z) of the first time point. */
    public float get(int x, int y, int z) {
        return data[x + dim(0) * (y + dim(1) * z)];
    }
}
