package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.data.nifti.NiftiWriter;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a label volume ({@link PredictionOutput#VOLUME}) predicted for a NIfTI volume:
 * {@code STEM.nii.gz}, the labels on the source volume's grid (its dimensions, voxel size,
 * qform, sform and units as read, so viewers lay it over the source), stored as uint8 (int16
 * when a label exceeds 255), and {@code STEM_overlay.png}, a montage of up to
 * {@value #PANELS} slices holding labels (evenly spread over them, the middle slice when none
 * does), {@value #PER_ROW} per row, labels in red over the grey slice.
 *
 * <p>The volume array is (D, H, W) = (z, y, x) of the source, x fastest, i.e. the NIfTI voxel
 * order. Both files are computed before either is written; each is written to a temporary file
 * and renamed.
 */
public final class VolumeWriter implements PredictionWriter {

    /** Most slices in the overlay montage. */
    public static final int PANELS = 8;

    /** Slices per montage row. */
    public static final int PER_ROW = 4;

    private final NiftiVolume source;

    /**
     * @param source the volume that was segmented: its grid and affine go into the label file,
     *               its intensities into the overlay
     * @throws IllegalArgumentException when it is not 3-D
     */
    public VolumeWriter(NiftiVolume source) {
        this.source = source.require3d("the source volume");
    }

    /**
     * Writes the label volume and its overlay.
     *
     * @param dir        the output folder
     * @param stem       the file stem
     * @param original   the slices shown in the overlay (D, H, W), any range; null for the
     *                   source's intensities
     * @param prediction a prediction holding a {@link PredictionOutput#VOLUME}
     * @throws IllegalArgumentException when the volume is not on the source's grid, or a label
     *                                  is negative, not an integer or above 32767
     * @throws IOException              naming the file that could not be written
     */
    @Override
    public void write(Path dir, String stem, FloatImage original, Prediction prediction)
            throws IOException {
        FloatImage v = prediction.get(PredictionOutput.VOLUME);
        int nx = source.dim(0);
        int ny = source.dim(1);
        int nz = source.dim(2);
        if (v.channels() != nz || v.height() != ny || v.width() != nx) {
            throw new IllegalArgumentException("label volume (" + v.channels() + ", "
                    + v.height() + ", " + v.width() + ") is not on the source grid (" + nz + ", "
                    + ny + ", " + nx + ") for " + dir.resolve(stem + ".nii.gz"));
        }
        float[] background = original == null ? source.data() : original.data();
        if (original != null && !original.sameSize(v)) {
            throw new IllegalArgumentException("overlay slices (" + original.channels() + ", "
                    + original.height() + ", " + original.width() + ") differ from the label"
                    + " volume (" + nz + ", " + ny + ", " + nx + ")");
        }
        float max = 0;
        for (float x : v.data()) {
            if (!(x >= 0 && x <= Short.MAX_VALUE && x == Math.rint(x))) {
                throw new IllegalArgumentException(dir.resolve(stem + ".nii.gz") + ": labels"
                        + " must be integers 0.." + Short.MAX_VALUE + ", found " + x);
            }
            max = Math.max(max, x);
        }
        NiftiVolume labels = NiftiVolume.like(source, max <= 255 ? 2 : 4, v.data().clone());
        RgbImage overlay = overlay(v.data(), background, nx, ny, nz);
        NiftiWriter.write(dir.resolve(stem + ".nii.gz"), labels);
        ImageIo.writeRgb(dir.resolve(stem + "_overlay.png"), overlay);
    }

    @Override
    public List<String> files(String stem) {
        return List.of(stem + ".nii.gz", stem + "_overlay.png");
    }

    /** The slices (z) the overlay shows: up to {@link #PANELS}, evenly over those with labels. */
    static int[] shownSlices(float[] labels, int plane, int nz) {
        List<Integer> withLabels = new ArrayList<>();
        for (int z = 0; z < nz; z++) {
            for (int i = z * plane; i < (z + 1) * plane; i++) {
                if (labels[i] != 0) {
                    withLabels.add(z);
                    break;
                }
            }
        }
        if (withLabels.isEmpty()) {
            return new int[] {nz / 2};
        }
        int n = Math.min(PANELS, withLabels.size());
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = withLabels.get((int) ((long) i * withLabels.size() / n));
        }
        return out;
    }

    private static RgbImage overlay(float[] labels, float[] background, int nx, int ny, int nz) {
        int plane = nx * ny;
        int side = Math.max(nx, ny);
        int[] show = shownSlices(labels, plane, nz);
        int cols = Math.min(PER_ROW, show.length);
        List<List<Montage.Panel>> rows = new ArrayList<>();
        List<Montage.Panel> row = new ArrayList<>();
        for (int z : show) {
            float[] img = Arrays.copyOfRange(background, z * plane, (z + 1) * plane);
            float[] m = Arrays.copyOfRange(labels, z * plane, (z + 1) * plane);
            row.add(new Montage.Panel(side, square(img, nx, ny), square(m, nx, ny)));
            if (row.size() == cols) {
                rows.add(row);
                row = new ArrayList<>();
            }
        }
        if (!row.isEmpty()) {
            while (row.size() < cols) {
                row.add(new Montage.Panel(side, new float[side * side], null));
            }
            rows.add(row);
        }
        return Montage.of(rows);
    }

    /** A ny×nx slice padded with zeros to a square of side max(nx, ny). */
    private static float[] square(float[] a, int nx, int ny) {
        int s = Math.max(nx, ny);
        if (s == nx && s == ny) {
            return a;
        }
        float[] o = new float[s * s];
        for (int y = 0; y < ny; y++) {
            System.arraycopy(a, y * nx, o, y * s, nx);
        }
        return o;
    }
}
