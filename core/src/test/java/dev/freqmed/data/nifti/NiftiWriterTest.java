package dev.freqmed.data.nifti;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NIfTI-1 writing: round trips keep values, geometry, data type and scaling; bad input. */
class NiftiWriterTest {

    @TempDir
    Path tmp;

    private static Path sample() {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(p.resolve("testdata/nifti"))) {
            p = p.getParent();
        }
        return p.resolve("testdata/nifti/chaos_t2_label_21.nii.gz");
    }

    @Test
    void chaosLabelRoundTripKeepsAffineAndValues() throws IOException {
        NiftiVolume v = NiftiReader.read(sample());
        // Header fields read from the file's bytes with Python's struct module.
        assertEquals(1, v.geometry().qformCode());
        assertEquals(1, v.geometry().sformCode());
        assertEquals(-1f, v.geometry().qfac());
        assertEquals(234.61642456054688, v.affine()[0][3], 1e-5);
        assertEquals(7.6982421875, v.affine()[2][2], 1e-6);
        for (String name : new String[] {"back.nii.gz", "back.nii"}) {
            Path out = tmp.resolve(name);
            NiftiWriter.write(out, v);
            NiftiVolume w = NiftiReader.read(out);
            assertArrayEquals(v.dims(), w.dims());
            assertArrayEquals(v.spacing(), w.spacing());
            assertEquals(v.datatype(), w.datatype());
            assertEquals(v.geometry(), w.geometry());
            assertArrayEquals(v.data(), w.data());
            for (int r = 0; r < 4; r++) {
                assertArrayEquals(v.affine()[r], w.affine()[r], 0);
            }
        }
        assertTrue(Files.size(tmp.resolve("back.nii.gz")) < Files.size(tmp.resolve("back.nii")));
    }

    @Test
    void qformGivesTheSameAffineAsTheSform() throws IOException {
        NiftiVolume v = NiftiReader.read(sample());
        NiftiGeometry g = v.geometry();
        NiftiGeometry qOnly = new NiftiGeometry(g.qfac(), 1, 0, g.quatern(), g.qoffset(),
                new float[12], g.xyztUnits());
        double[][] q = qOnly.affine(v.spacing());
        double[][] s = v.affine();
        // The file's sform and qform describe the same rotation (the scanner wrote both).
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                assertEquals(s[r][c], q[r][c], 2e-3, "affine[" + r + "][" + c + "]");
            }
        }
        assertEquals(-1.25, q[0][0], 1e-3);
    }

    @Test
    void scaledInt16AndFloat64RoundTrip() throws IOException {
        Random r = new Random(4);
        int n = 5 * 4 * 3;
        float[] raw = new float[n];
        for (int i = 0; i < n; i++) {
            raw[i] = (r.nextInt(2000) - 1000) * 0.5f - 3f;
        }
        NiftiGeometry g = new NiftiGeometry(-1, 2, 0, new float[] {0.1f, 0.2f, 0.3f},
                new float[] {-10f, 20f, 30.5f}, new float[12], 10);
        NiftiVolume v = new NiftiVolume(new int[] {5, 4, 3}, new float[] {0.7f, 0.8f, 2.5f},
                4, 0.5f, -3f, raw, g);
        Path out = tmp.resolve("scaled.nii.gz");
        NiftiWriter.write(out, v);
        NiftiVolume w = NiftiReader.read(out);
        assertEquals(4, w.datatype());
        assertEquals(0.5f, w.slope());
        assertEquals(-3f, w.inter());
        assertEquals(g, w.geometry());
        assertArrayEquals(raw, w.data());
        assertNotEquals(0, w.affine()[0][1], "a rotated qform");

        NiftiVolume f = new NiftiVolume(new int[] {5, 4, 3}, new float[] {1, 1, 1}, 64, 0, 0,
                raw);
        NiftiWriter.write(tmp.resolve("f.nii"), f);
        assertArrayEquals(raw, NiftiReader.read(tmp.resolve("f.nii")).data());
    }

    @Test
    void valueOutsideTheTypeIsRefusedAndNothingIsWritten() {
        NiftiVolume v = new NiftiVolume(new int[] {2, 1, 1}, new float[] {1, 1, 1}, 2, 0, 0,
                new float[] {3, 300});
        Path out = tmp.resolve("bad.nii.gz");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NiftiWriter.write(out, v));
        assertTrue(e.getMessage().contains("bad.nii.gz") && e.getMessage().contains("300"),
                e.getMessage());
        assertTrue(Files.notExists(out));
    }

    @Test
    void fourDimensionalVolumeIsRefusedWhereThreeAreNeeded() throws IOException {
        NiftiVolume v = new NiftiVolume(new int[] {2, 2, 2, 3}, new float[] {1, 1, 1, 1}, 16,
                0, 0, new float[24]);
        Path out = tmp.resolve("four.nii");
        NiftiWriter.write(out, v);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NiftiReader.read3d(out));
        assertTrue(e.getMessage().contains("four.nii") && e.getMessage().contains("4-D"),
                e.getMessage());
    }

    @Test
    void truncatedGzipNamesTheFile() throws IOException {
        byte[] all = Files.readAllBytes(sample());
        Path cut = tmp.resolve("cut.nii.gz");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        IOException e = assertThrows(IOException.class, () -> NiftiReader.read(cut));
        assertTrue(e.getMessage().contains("cut.nii.gz")
                && (e.getMessage().contains("truncated") || e.getMessage().contains("corrupt")),
                e.getMessage());
    }
}
