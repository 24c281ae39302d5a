package dev.freqmed.data.nifti;

import dev.freqmed.io.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes single-file NIfTI-1 volumes, little-endian, gzip-compressed when the name ends in
 * {@code .gz}: the dimensions, {@code pixdim}, qform/sform, units, data type and
 * {@code scl_slope}/{@code scl_inter} of the {@link NiftiVolume}, so that
 * {@link NiftiReader#read} gives the volume back. Stored values are
 * {@code (value − scl_inter) / scl_slope} when the slope is non-zero, rounded for integer
 * types. The file is written to a temporary file and renamed: a failed write leaves nothing.
 */
public final class NiftiWriter {

    private static final int HEADER = 348;
    private static final int VOX_OFFSET = 352;

    private NiftiWriter() {
    }

    /**
     * Writes {@code volume} to {@code path}.
     *
     * @throws IllegalArgumentException when a value does not fit the volume's integer data type
     *                                  (naming the file, the value and the type), or the type
     *                                  is not one {@link NiftiReader} reads
     * @throws IOException              naming the file when it cannot be written
     */
    public static void write(Path path, NiftiVolume volume) throws IOException {
        int bytes = bytesPer(volume.datatype(), path);
        float[] stored = storedValues(volume, path);
        boolean gz = path.getFileName().toString().endsWith(".gz");
        AtomicFiles.write(path, out -> {
            OutputStream o = gz ? new GZIPOutputStream(out, 1 << 16) {
                {
                    def.setLevel(Deflater.BEST_SPEED);
                }
            } : out;
            o.write(header(volume, bytes));
            o.write(new byte[VOX_OFFSET - HEADER]);
            byte[] chunk = new byte[bytes * 65536];
            ByteBuffer cb = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
            for (int done = 0; done < stored.length; done += 65536) {
                int count = Math.min(65536, stored.length - done);
                for (int i = 0; i < count; i++) {
                    put(cb, i, volume.datatype(), stored[done + i]);
                }
                o.write(chunk, 0, count * bytes);
            }
            if (gz) {
                ((GZIPOutputStream) o).finish();
            }
        });
    }

    private static byte[] header(NiftiVolume v, int bytes) {
        ByteBuffer bb = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(0, HEADER);
        int[] dims = v.dims();
        bb.putShort(40, (short) dims.length);
        for (int i = 0; i < 7; i++) {
            bb.putShort(42 + 2 * i, (short) (i < dims.length ? dims[i] : 1));
        }
        bb.putShort(70, (short) v.datatype());
        bb.putShort(72, (short) (8 * bytes));
        NiftiGeometry g = v.geometry();
        bb.putFloat(76, g.qfac());
        for (int i = 0; i < 7; i++) {
            bb.putFloat(80 + 4 * i, i < v.spacing().length ? v.spacing()[i] : 1f);
        }
        bb.putFloat(108, VOX_OFFSET);
        bb.putFloat(112, v.slope());
        bb.putFloat(116, v.inter());
        bb.put(123, (byte) g.xyztUnits());
        bb.putShort(252, (short) g.qformCode());
        bb.putShort(254, (short) g.sformCode());
        for (int i = 0; i < 3; i++) {
            bb.putFloat(256 + 4 * i, g.quatern()[i]);
            bb.putFloat(268 + 4 * i, g.qoffset()[i]);
        }
        for (int i = 0; i < 12; i++) {
            bb.putFloat(280 + 4 * i, g.srow()[i]);
        }
        byte[] magic = "n+1\0".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 4; i++) {
            bb.put(344 + i, magic[i]);
        }
        return bb.array();
    }

    private static int bytesPer(int datatype, Path path) {
        return switch (datatype) {
            case 2, 256 -> 1;
            case 4, 512 -> 2;
            case 8, 16, 768 -> 4;
            case 64 -> 8;
            default -> throw new IllegalArgumentException(path + ": cannot write NIfTI datatype "
                    + datatype + " (expected uint8, int8, int16, uint16, int32, uint32, float32"
                    + " or float64)");
        };
    }

    private static float[] storedValues(NiftiVolume v, Path path) {
        float[] d = v.data();
        float[] s = new float[d.length];
        boolean scale = v.slope() != 0 && Float.isFinite(v.slope());
        double lo;
        double hi;
        switch (v.datatype()) {
            case 2 -> { lo = 0; hi = 255; }
            case 256 -> { lo = -128; hi = 127; }
            case 4 -> { lo = Short.MIN_VALUE; hi = Short.MAX_VALUE; }
            case 512 -> { lo = 0; hi = 65535; }
            case 8 -> { lo = Integer.MIN_VALUE; hi = Integer.MAX_VALUE; }
            case 768 -> { lo = 0; hi = 4294967295.0; }
            default -> { lo = Double.NEGATIVE_INFINITY; hi = Double.POSITIVE_INFINITY; }
        }
        boolean integer = v.datatype() != 16 && v.datatype() != 64;
        for (int i = 0; i < d.length; i++) {
            double x = scale ? (d[i] - (double) v.inter()) / v.slope() : d[i];
            if (integer) {
                x = Math.rint(x);
                if (!(x >= lo && x <= hi)) {
                    throw new IllegalArgumentException(path + ": value " + d[i] + " at voxel " + i
                            + " does not fit NIfTI datatype " + v.datatype() + " (range " + lo
                            + ".." + hi + (scale ? " after scaling" : "") + ")");
                }
            }
            s[i] = (float) x;
        }
        return s;
    }

    private static void put(ByteBuffer cb, int i, int datatype, float x) {
        switch (datatype) {
            case 2, 256 -> cb.put(i, (byte) (int) x);
            case 4, 512 -> cb.putShort(2 * i, (short) (int) x);
            case 8 -> cb.putInt(4 * i, (int) x);
            case 768 -> cb.putInt(4 * i, (int) (long) x);
            case 16 -> cb.putFloat(4 * i, x);
            default -> cb.putDouble(8 * i, x);
        }
    }
}
