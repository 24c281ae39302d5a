package dev.freqmed.data.nifti;

import java.util.Arrays;

/**
 * Where a NIfTI-1 volume lies in space: the header fields that map voxel indices to scanner
 * coordinates, kept as stored so that a volume written back has the same affine.
 *
 * @param qfac      {@code pixdim[0]}, the handedness of the qform (−1 or 1; 0 is read as 1)
 * @param qformCode {@code qform_code} (0 = no qform)
 * @param sformCode {@code sform_code} (0 = no sform)
 * @param quatern   {@code quatern_b, quatern_c, quatern_d}
 * @param qoffset   {@code qoffset_x, qoffset_y, qoffset_z}, in the file's spatial unit
 * @param srow      {@code srow_x, srow_y, srow_z}, 12 values row by row
 * @param xyztUnits {@code xyzt_units} (2 = millimetres)
 */
public record NiftiGeometry(float qfac, int qformCode, int sformCode, float[] quatern,
                            float[] qoffset, float[] srow, int xyztUnits) {

    /** Validates the array lengths. */
    public NiftiGeometry {
        if (quatern.length != 3 || qoffset.length != 3 || srow.length != 12) {
            throw new IllegalArgumentException("NIfTI geometry needs 3 quaternion, 3 offset and"
                    + " 12 srow values, found " + quatern.length + ", " + qoffset.length + ", "
                    + srow.length);
        }
        quatern = quatern.clone();
        qoffset = qoffset.clone();
        srow = srow.clone();
    }

    /** No qform or sform: the affine is the voxel size on the diagonal (NIfTI method 1). */
    public static NiftiGeometry none() {
        return new NiftiGeometry(1, 0, 0, new float[3], new float[3], new float[12], 2);
    }

    /**
     * The 4×4 voxel-to-world affine a NIfTI reader uses: the sform when {@code sform_code > 0},
     * else the qform when {@code qform_code > 0}, else the voxel sizes on the diagonal (the
     * NIfTI-1 standard's three methods; nibabel gives the same matrix).
     *
     * @param spacing {@code pixdim[1..3]}
     * @return row-major 4×4
     */
    public double[][] affine(float[] spacing) {
        double sx = spacing.length > 0 ? spacing[0] : 1;
        double sy = spacing.length > 1 ? spacing[1] : 1;
        double sz = spacing.length > 2 ? spacing[2] : 1;
        double[][] a = new double[4][4];
        a[3][3] = 1;
        if (sformCode > 0) {
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 4; c++) {
                    a[r][c] = srow[4 * r + c];
                }
            }
            return a;
        }
        if (qformCode > 0) {
            double b = quatern[0];
            double c = quatern[1];
            double d = quatern[2];
            double aa = 1 - (b * b + c * c + d * d);
            aa = aa < 1e-7 ? 0 : Math.sqrt(aa);
            double q = qfac < 0 ? -1 : 1;
            double[][] rot = {
                {aa * aa + b * b - c * c - d * d, 2 * (b * c - aa * d), 2 * (b * d + aa * c)},
                {2 * (b * c + aa * d), aa * aa + c * c - b * b - d * d, 2 * (c * d - aa * b)},
                {2 * (b * d - aa * c), 2 * (c * d + aa * b), aa * aa + d * d - c * c - b * b}};
            double[] s = {sx, sy, sz * q};
            for (int r = 0; r < 3; r++) {
                for (int k = 0; k < 3; k++) {
                    a[r][k] = rot[r][k] * s[k];
                }
                a[r][3] = qoffset[r];
            }
            return a;
        }
        a[0][0] = sx;
        a[1][1] = sy;
        a[2][2] = sz;
        return a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NiftiGeometry g && Float.compare(qfac, g.qfac) == 0
                && qformCode == g.qformCode && sformCode == g.sformCode
                && Arrays.equals(quatern, g.quatern) && Arrays.equals(qoffset, g.qoffset)
                && Arrays.equals(srow, g.srow) && xyztUnits == g.xyztUnits;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(srow) * 31 + qformCode * 7 + sformCode;
    }

    @Override
    public String toString() {
        return "NiftiGeometry[qform " + qformCode + " " + Arrays.toString(quatern) + " "
                + Arrays.toString(qoffset) + " qfac " + qfac + ", sform " + sformCode + " "
                + Arrays.toString(srow) + ", units " + xyztUnits + "]";
    }
}
