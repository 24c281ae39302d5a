package dev.freqmed.data.nifti;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NIfTI-1 reading: a real CHAOS label volume and synthetic files of every data type. */
class NiftiReaderTest {

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
    void readsTheChaosLabelVolume() throws IOException {
        NiftiVolume v = NiftiReader.read(sample());
        // Header and label counts checked independently with numpy on the decompressed bytes.
        assertArrayEquals(new int[] {256, 256, 33}, v.dims());
        assertEquals(2, v.datatype());
        assertEquals(1.25f, v.spacing()[0]);
        assertEquals(7.7f, v.spacing()[2], 1e-6);
        long[] counts = new long[5];
        for (float x : v.data()) {
            counts[(int) x]++;
        }
        assertArrayEquals(new long[] {2044846, 84194, 9755, 11064, 12829}, counts);
        assertEquals(1f, v.get(90, 128, 20));
        assertEquals(4f, v.get(209, 71, 18));
    }

    /** Writes a 2x3x2 volume of the given type with values 0..11 (negated odd ones if signed). */
    private Path write(String name, int datatype, int bytes, ByteOrder order, float slope,
                       float inter, boolean gzip) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(352 + 12 * bytes).order(order);
        b.putInt(0, 348);
        short[] dim = {3, 2, 3, 2, 1, 1, 1, 1};
        for (int i = 0; i < 8; i++) {
            b.putShort(40 + 2 * i, dim[i]);
        }
        b.putShort(70, (short) datatype);
        b.putShort(72, (short) (bytes * 8));
        for (int i = 0; i < 4; i++) {
            b.putFloat(76 + 4 * i, i == 0 ? 1 : 0.5f * i);
        }
        b.putFloat(108, 352);
        b.putFloat(112, slope);
        b.putFloat(116, inter);
        b.put(344, (byte) 'n').put(345, (byte) '+').put(346, (byte) '1');
        for (int i = 0; i < 12; i++) {
            int off = 352 + i * bytes;
            switch (datatype) {
                case 2 -> b.put(off, (byte) (i * 20));
                case 256 -> b.put(off, (byte) -i);
                case 4 -> b.putShort(off, (short) -i);
                case 512 -> b.putShort(off, (short) (60000 + i));
                case 8 -> b.putInt(off, -i);
                case 16 -> b.putFloat(off, i / 4f);
                case 64 -> b.putDouble(off, i / 8.0);
                default -> b.putLong(off, -i);
            }
        }
        Path p = tmp.resolve(name);
        try (OutputStream o = gzip ? new GZIPOutputStream(Files.newOutputStream(p))
                : Files.newOutputStream(p)) {
            o.write(b.array());
        }
        return p;
    }

    @Test
    void readsEveryCommonTypeInBothByteOrdersWithScaling() throws IOException {
        assertEquals(220f, NiftiReader.read(write("a.nii", 2, 1, ByteOrder.LITTLE_ENDIAN, 0, 0,
                false)).data()[11]);
        assertEquals(-11f, NiftiReader.read(write("b.nii", 256, 1, ByteOrder.BIG_ENDIAN, 0, 0,
                false)).data()[11]);
        assertEquals(-11f, NiftiReader.read(write("c.nii.gz", 4, 2, ByteOrder.BIG_ENDIAN, 0, 0,
                true)).data()[11]);
        assertEquals(60011f, NiftiReader.read(write("d.nii", 512, 2, ByteOrder.LITTLE_ENDIAN, 0, 0,
                false)).data()[11]);
        assertEquals(-11f, NiftiReader.read(write("e.nii", 8, 4, ByteOrder.LITTLE_ENDIAN, 0, 0,
                false)).data()[11]);
        assertEquals(2.75f, NiftiReader.read(write("f.nii", 16, 4, ByteOrder.BIG_ENDIAN, 0, 0,
                false)).data()[11]);
        assertEquals(1.375f, NiftiReader.read(write("g.nii", 64, 8, ByteOrder.LITTLE_ENDIAN, 0, 0,
                false)).data()[11]);
        assertEquals(-11f, NiftiReader.read(write("h.nii", 1024, 8, ByteOrder.LITTLE_ENDIAN, 0, 0,
                false)).data()[11]);
        NiftiVolume scaled = NiftiReader.read(write("s.nii.gz", 4, 2, ByteOrder.LITTLE_ENDIAN, 2f,
                10f, true));
        assertEquals(-12f, scaled.data()[11]);
        assertArrayEquals(new int[] {2, 3, 2}, scaled.dims());
        assertEquals(0.5f, scaled.spacing()[0]);
        assertEquals(-12f, scaled.get(1, 2, 1));
    }

    @Test
    void badFilesNameTheFileAndTheProblem() throws IOException {
        Path junk = tmp.resolve("junk.nii");
        Files.write(junk, new byte[400]);
        IOException e = assertThrows(IOException.class, () -> NiftiReader.read(junk));
        assertTrue(e.getMessage().contains("junk.nii") && e.getMessage().contains("348"),
                e.getMessage());
        Path p = write("t.nii", 16, 4, ByteOrder.LITTLE_ENDIAN, 0, 0, false);
        byte[] all = Files.readAllBytes(p);
        Path cut = tmp.resolve("cut.nii");
        Files.write(cut, Arrays.copyOf(all, all.length - 5));
        e = assertThrows(IOException.class, () -> NiftiReader.read(cut));
        assertTrue(e.getMessage().contains("cut.nii") && e.getMessage().contains("truncated"),
                e.getMessage());
        assertThrows(IOException.class, () -> NiftiReader.read(tmp.resolve("missing.nii")));
    }
}
