package dev.freqmed.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.data.FloatImage;
import dev.freqmed.data.nifti.NiftiGeometry;
import dev.freqmed.data.nifti.NiftiReader;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NIfTI label-volume writer: round trip of labels, grid and affine; overlay; bad input. */
class VolumeWriterTest {

    @TempDir
    Path tmp;

    /** A 6×4×5 int16 source volume with an oblique sform and a qform, non-unit voxels. */
    private static NiftiVolume source() {
        int nx = 6;
        int ny = 4;
        int nz = 5;
        float[] data = new float[nx * ny * nz];
        for (int i = 0; i < data.length; i++) {
            data[i] = (i * 37) % 211 - 50;
        }
        float c = (float) Math.cos(0.3);
        float s = (float) Math.sin(0.3);
        float[] srow = {-0.9f * c, 0.7f * s, 0, 12.5f, -0.9f * s, -0.7f * c, 0, -30.25f,
            0, 0, 3.5f, 101f};
        NiftiGeometry g = new NiftiGeometry(-1, 1, 2, new float[] {0.1f, 0.2f, 0.3f},
                new float[] {1.5f, -2.5f, 7f}, srow, 10);
        return new NiftiVolume(new int[] {nx, ny, nz}, new float[] {0.9f, 0.7f, 3.5f}, 4, 0, 0,
                data, g);
    }

    private static float[] labels(int n, int big) {
        float[] l = new float[n];
        l[5] = 1;
        l[6 * 4 + 7] = 2;
        l[2 * 24 + 3] = big;
        l[4 * 24 + 23] = 1;
        return l;
    }

    @Test
    void labelsGridAndAffineRoundTrip() throws Exception {
        NiftiVolume src = source();
        float[] l = labels(src.size(), 3);
        VolumeWriter w = new VolumeWriter(src);
        w.write(tmp, "case7", null, new Prediction(Map.of(PredictionOutput.VOLUME,
                new FloatImage(5, 4, 6, l)), Map.of()));
        assertEquals(List.of("case7.nii.gz", "case7_overlay.png"), w.files("case7"));
        NiftiVolume back = NiftiReader.read(tmp.resolve("case7.nii.gz"));
        assertEquals(2, back.datatype());
        assertArrayEquals(src.dims(), back.dims());
        assertArrayEquals(src.spacing(), back.spacing());
        assertEquals(src.geometry(), back.geometry());
        double[][] a = src.affine();
        assertNotEquals(0.0, a[0][1]);
        for (int r = 0; r < 4; r++) {
            assertArrayEquals(a[r], back.affine()[r], 0, "affine row " + r);
        }
        assertArrayEquals(l, back.data());
        // Slices 0, 1, 2 and 4 hold labels: one row of four 6×6 panels with 2-pixel gaps.
        RgbImage png = ImageIo.readRgb(tmp.resolve("case7_overlay.png"));
        assertEquals(4 * 6 + 3 * 2, png.width());
        assertEquals(6, png.height());
        assertArrayEquals(new int[] {0, 1, 2, 4}, VolumeWriter.shownSlices(l, 24, 5));
        // Voxel (x 5, y 0) of slice 0 is labelled: red over grey; (x 4, y 0) is not: grey.
        assertTrue(png.get(0, 5, 0) > png.get(0, 5, 1), "labelled voxel drawn red");
        assertEquals(png.get(0, 4, 0), png.get(0, 4, 1));
    }

    @Test
    void labelsAbove255AreStoredAsInt16() throws Exception {
        NiftiVolume src = source();
        float[] l = labels(src.size(), 300);
        new VolumeWriter(src).write(tmp, "big", null, new Prediction(Map.of(
                PredictionOutput.VOLUME, new FloatImage(5, 4, 6, l)), Map.of()));
        NiftiVolume back = NiftiReader.read(tmp.resolve("big.nii.gz"));
        assertEquals(4, back.datatype());
        assertArrayEquals(l, back.data());
    }

    @Test
    void volumeOffTheSourceGridIsRefusedAndNothingWritten() {
        NiftiVolume src = source();
        VolumeWriter w = new VolumeWriter(src);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> w.write(tmp, "off", null, new Prediction(Map.of(PredictionOutput.VOLUME,
                        new FloatImage(5, 6, 4, new float[120])), Map.of())));
        assertTrue(e.getMessage().contains("off.nii.gz") && e.getMessage().contains("(5, 4, 6)"),
                e.getMessage());
        float[] frac = new float[120];
        frac[3] = 0.5f;
        e = assertThrows(IllegalArgumentException.class, () -> w.write(tmp, "frac", null,
                new Prediction(Map.of(PredictionOutput.VOLUME, new FloatImage(5, 4, 6, frac)),
                        Map.of())));
        assertTrue(e.getMessage().contains("0.5"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("off.nii.gz")));
        assertFalse(Files.exists(tmp.resolve("frac_overlay.png")));
        assertFalse(Files.exists(tmp.resolve("frac.nii.gz")));
    }
}
