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
 * @param geometry qform, sform, {@code pixdim[0]} and units, as stored
 */
public record NiftiVolume(int[] dims, float[] spacing, int datatype, float slope, float inter,
                          float[] data, NiftiGeometry geometry) {

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
        if (geometry == null) {
            geometry = NiftiGeometry.none();
        }
        if (spacing.length != dims.length) {
            throw new IllegalArgumentException("NIfTI spacing needs one value per dimension "
                    + Arrays.toString(dims) + ", found " + Arrays.toString(spacing));
        }
        if (n != data.length) {
            throw new IllegalArgumentException("NIfTI volume " + Arrays.toString(dims)
                    + " needs " + n + " values, found " + data.length);
        }
    }

    /** A volume without qform or sform (the affine is the voxel size on the diagonal). */
    public NiftiVolume(int[] dims, float[] spacing, int datatype, float slope, float inter,
            float[] data) {
        this(dims, spacing, datatype, slope, inter, data, NiftiGeometry.none());
    }

    /**
     * A volume on the grid of {@code like} (same dimensions, spacing and geometry) holding other
     * values, stored as {@code datatype} without scaling, e.g. a label volume for an image.
     *
     * @throws IllegalArgumentException when {@code data} does not have {@code like}'s size
     */
    public static NiftiVolume like(NiftiVolume like, int datatype, float[] data) {
        return new NiftiVolume(like.dims.clone(), like.spacing.clone(), datatype, 0, 0, data,
                like.geometry);
    }

    /** The voxel-to-world affine ({@link NiftiGeometry#affine}), row-major 4×4. */
    public double[][] affine() {
        return geometry.affine(spacing);
    }

    /**
     * Checks that the volume is 3-D (a trailing dimension of size 1 is allowed).
     *
     * @param name the file, for the message
     * @return this volume
     * @throws IllegalArgumentException naming the file and its dimensions otherwise
     */
    public NiftiVolume require3d(String name) {
        for (int i = 3; i < dims.length; i++) {
            if (dims[i] != 1) {
                throw new IllegalArgumentException(name + ": expected a 3-D volume, found "
                        + dims.length + "-D " + Arrays.toString(dims));
            }
        }
        if (dims.length < 3) {
            throw new IllegalArgumentException(name + ": expected a 3-D volume, found "
                    + dims.length + "-D " + Arrays.toString(dims));
        }
        return this;
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
