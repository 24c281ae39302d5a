package dev.freqmed.data.nifti;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads single-file NIfTI-1 volumes ({@code .nii}, optionally gzip-compressed, detected by
 * content): either byte order, data types uint8, int8, int16, uint16, int32, uint32, int64,
 * uint64, float32 and float64, up to 7 dimensions, {@code vox_offset}, and the scaling
 * {@code value * scl_slope + scl_inter} applied when {@code scl_slope} is non-zero and finite.
 */
public final class NiftiReader {

    private static final int HEADER = 348;

    private NiftiReader() {
    }

    /**
     * Reads a volume.
     *
     * @throws IOException naming the file for a missing file, a truncated file, a header that is
     *                     not NIfTI-1 or an unsupported data type
     */
    public static NiftiVolume read(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "NIfTI file does not exist");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = (b0 == 0x1f && b1 == 0x8b)
                    ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
            return read(in, path.toString());
        } catch (EOFException e) {
            throw new IOException(path + ": truncated NIfTI file (" + e.getMessage() + ")", e);
        } catch (ZipException e) {
            throw new IOException(path + ": corrupt gzip data (" + e.getMessage() + ")", e);
        }
    }

    private static NiftiVolume read(InputStream in, String name) throws IOException {
        byte[] h = in.readNBytes(HEADER);
        if (h.length < HEADER) {
            throw new IOException(name + ": not a NIfTI-1 file (header shorter than 348 bytes)");
        }
        ByteBuffer bb = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        if (bb.getInt(0) != HEADER) {
            bb.order(ByteOrder.BIG_ENDIAN);
            if (bb.getInt(0) != HEADER) {
                throw new IOException(name + ": not a NIfTI-1 file (sizeof_hdr is not 348)");
            }
        }
        String magic = new String(h, 344, 3, StandardCharsets.US_ASCII);
        if (!magic.equals("n+1")) {
            throw new IOException(name + ": expected the single-file NIfTI-1 magic 'n+1', found '"
                    + magic.replace('\0', ' ').trim() + "' (header/image pairs are not supported)");
        }
        int ndim = bb.getShort(40);
        if (ndim < 1 || ndim > 7) {
            throw new IOException(name + ": dim[0] must be 1..7, found " + ndim);
        }
        int[] dims = new int[ndim];
        float[] spacing = new float[ndim];
        long n = 1;
        for (int i = 0; i < ndim; i++) {
            dims[i] = bb.getShort(42 + 2 * i);
            spacing[i] = bb.getFloat(80 + 4 * i);
            if (dims[i] <= 0) {
                throw new IOException(name + ": dim[" + (i + 1) + "] must be positive, found "
                        + dims[i]);
            }
            n *= dims[i];
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IOException(name + ": volume of " + n + " voxels is too large");
        }
        int datatype = bb.getShort(70);
        int bytes = switch (datatype) {
            case 2, 256 -> 1;
            case 4, 512 -> 2;
            case 8, 16, 768 -> 4;
            case 64, 1024, 1280 -> 8;
            default -> throw new IOException(name + ": unsupported NIfTI datatype " + datatype
                    + " (expected uint8, int8, int16, uint16, int32, uint32, int64, uint64,"
                    + " float32 or float64)");
        };
        float voxOffset = bb.getFloat(108);
        float slope = bb.getFloat(112);
        float inter = bb.getFloat(116);
        long skip = Math.max(0, (long) voxOffset - HEADER);
        in.skipNBytes(skip);
        float[] data = new float[(int) n];
        boolean scale = slope != 0 && Float.isFinite(slope);
        byte[] chunk = new byte[bytes * 65536];
        ByteBuffer cb = ByteBuffer.wrap(chunk).order(bb.order());
        int done = 0;
        while (done < n) {
            int count = (int) Math.min(65536, n - done);
            int len = count * bytes;
            int got = in.readNBytes(chunk, 0, len);
            if (got < len) {
                throw new EOFException("expected " + n * bytes + " bytes of voxel data, found "
                        + ((long) done * bytes + got));
            }
            for (int i = 0; i < count; i++) {
                double v = switch (datatype) {
                    case 2 -> chunk[i] & 0xff;
                    case 256 -> chunk[i];
                    case 4 -> cb.getShort(2 * i);
                    case 512 -> cb.getShort(2 * i) & 0xffff;
                    case 8 -> cb.getInt(4 * i);
                    case 768 -> cb.getInt(4 * i) & 0xffffffffL;
                    case 16 -> cb.getFloat(4 * i);
                    case 64 -> cb.getDouble(8 * i);
                    case 1024 -> cb.getLong(8 * i);
                    default -> unsigned(cb.getLong(8 * i));
                };
                data[done + i] = (float) (scale ? v * slope + inter : v);
            }
            done += count;
        }
        float[] quatern = {bb.getFloat(256), bb.getFloat(260), bb.getFloat(264)};
        float[] qoffset = {bb.getFloat(268), bb.getFloat(272), bb.getFloat(276)};
        float[] srow = new float[12];
        for (int i = 0; i < 12; i++) {
            srow[i] = bb.getFloat(280 + 4 * i);
        }
        float qfac = bb.getFloat(76);
        NiftiGeometry geometry = new NiftiGeometry(qfac == 0 ? 1 : qfac, bb.getShort(252),
                bb.getShort(254), quatern, qoffset, srow, h[123] & 0xff);
        return new NiftiVolume(dims, spacing, datatype, slope, inter, data, geometry);
    }

    /**
     * Reads a volume that must be 3-D (a trailing dimension of size 1 is accepted).
     *
     * @throws IOException              as {@link #read}
     * @throws IllegalArgumentException naming the file for a 4-D (or 2-D) volume
     */
    public static NiftiVolume read3d(Path path) throws IOException {
        return read(path).require3d(path.toString());
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }
}
