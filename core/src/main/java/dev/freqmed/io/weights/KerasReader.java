package dev.freqmed.io.weights;

import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.WeightFormatException;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Keras 2 HDF5 weights (a full model saved by {@code model.save}/{@code ModelCheckpoint},
 * or {@code save_weights}): the group {@code model_weights} (or the file root) lists its layers
 * in the attribute {@code layer_names}, each layer group lists its tensors in
 * {@code weight_names} ({@code conv2d_1/kernel:0}, ...). {@code optimizer_weights} is ignored.
 *
 * <p>The tensors keep Keras's layout and names ({@code conv2d_1/kernel:0}, shape (kh, kw, in,
 * out)); {@link KerasLayouts#toTorch} converts them to PyTorch's.
 *
 * <pre>{@code
 * Checkpoint k = KerasReader.read(Path.of("weight_model17.h5"));
 * Map<String, HostTensor> torch = KerasLayouts.toTorch(k);  // conv2d_1.weight (out, in, kh, kw)
 * }</pre>
 */
public final class KerasReader {

    private KerasReader() {
    }

    /**
     * Reads every weight of a Keras HDF5 file in layer order.
     *
     * @return a checkpoint whose root maps {@code layer/weight:0} to tensors and whose metadata
     *     holds the root attributes ({@code keras_version}, {@code backend}, {@code model_config})
     *     and {@code layer_names} (comma-separated, including layers without weights)
     * @throws WeightFormatException when the file is not in the Keras layout or is damaged
     */
    public static Checkpoint read(Path file) throws IOException {
        checkSuperblock(file);
        try (HdfFile h5 = open(file)) {
            Map<String, String> meta = new LinkedHashMap<>();
            for (String a : List.of("keras_version", "backend", "model_config")) {
                Attribute at = h5.getAttribute(a);
                if (at != null) {
                    meta.put(a, scalarString(at.getData()));
                }
            }
            Group weights = h5;
            Node mw = h5.getChildren().get("model_weights");
            if (mw instanceof Group g) {
                weights = g;
            }
            Attribute ln = weights.getAttribute("layer_names");
            if (ln == null) {
                throw new WeightFormatException(file, "not a Keras weight file (no layer_names "
                        + "attribute in model_weights or the root)");
            }
            List<String> layers = strings(ln.getData());
            meta.put("layer_names", String.join(",", layers));
            Map<String, HostTensor> root = new LinkedHashMap<>();
            for (String layer : layers) {
                Node n = weights.getChildren().get(layer);
                if (!(n instanceof Group lg)) {
                    throw new WeightFormatException(file, "layer '" + layer
                            + "' listed in layer_names has no group");
                }
                Attribute wn = lg.getAttribute("weight_names");
                List<String> names = wn == null ? List.of() : strings(wn.getData());
                for (String w : names) {
                    Node d = lg.getByPath(w);
                    if (!(d instanceof Dataset ds)) {
                        throw new WeightFormatException(file, "weight '" + w + "' of layer '"
                                + layer + "' is not a dataset");
                    }
                    checkSize(file, w, ds);
                    root.put(w, tensor(file, w, ds));
                }
            }
            return new Checkpoint(file, "keras-h5", root, meta);
        } catch (RuntimeException e) {
            // jhdf reports damage with assorted runtime exceptions
            throw new WeightFormatException(file, "damaged or unsupported HDF5 file: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Opens the file through a read-only memory map when it fits one buffer: the HDF5 library then
     * reads metadata as views of the map, so a damaged length cannot make it allocate more than
     * the file holds. Larger files are read through the file channel.
     */
    private static HdfFile open(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            if (ch.size() <= Integer.MAX_VALUE) {
                return HdfFile.fromByteBuffer(
                        ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, ch.size()));
            }
        }
        return new HdfFile(file);
    }

    /**
     * Checks the HDF5 signature and that the file is as long as its superblock's end-of-file
     * address says (a truncated file is refused before the HDF5 library sees it).
     */
    private static void checkSuperblock(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        long size;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            size = ch.size();
            while (b.hasRemaining() && ch.read(b) > 0) {
                // fill
            }
        }
        b.flip();
        byte[] sig = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
        if (b.remaining() < 9) {
            throw new WeightFormatException(file, "not an HDF5 file (too short)");
        }
        for (int i = 0; i < 8; i++) {
            if (b.get(i) != sig[i]) {
                throw new WeightFormatException(file, "not an HDF5 file (no signature)");
            }
        }
        int version = b.get(8) & 0xff;
        int offsets;
        int eofAt;
        if (version == 0 || version == 1) {
            offsets = b.remaining() > 13 ? b.get(13) & 0xff : 0;
            eofAt = (version == 0 ? 24 : 28) + 2 * offsets;
        } else if (version == 2 || version == 3) {
            offsets = b.get(9) & 0xff;
            eofAt = 12 + 2 * offsets;
        } else {
            throw new WeightFormatException(file, "unsupported HDF5 superblock version " + version);
        }
        if (offsets != 8 && offsets != 4) {
            throw new WeightFormatException(file, "HDF5 superblock with " + offsets
                    + "-byte offsets is damaged or unsupported");
        }
        if (eofAt + offsets > b.limit()) {
            throw new WeightFormatException(file, "truncated HDF5 superblock");
        }
        long eof = offsets == 8 ? b.getLong(eofAt) : b.getInt(eofAt) & 0xffffffffL;
        if (eof > size || eof < 0) {
            throw new WeightFormatException(file, "truncated HDF5 file: the superblock says "
                    + Long.toUnsignedString(eof) + " bytes, the file has " + size);
        }
    }

    /** Refuses datasets whose declared size the file cannot hold, before jhdf allocates them. */
    private static void checkSize(Path file, String name, Dataset ds) throws IOException {
        long fileSize = java.nio.file.Files.size(file);
        long limit = ds.getFilters().isEmpty() ? fileSize : fileSize * 1032L;
        long bytes = ds.getSizeInBytes();
        if (bytes < 0 || bytes > limit || bytes > Integer.MAX_VALUE - 8) {
            throw new WeightFormatException(file, "weight '" + name + "' declares " + bytes
                    + " bytes, more than the file of " + fileSize + " bytes can hold");
        }
    }

    private static String scalarString(Object data) {
        if (data instanceof String s) {
            return s;
        }
        if (data instanceof String[] a && a.length == 1) {
            return a[0];
        }
        return String.valueOf(data);
    }

    private static List<String> strings(Object data) {
        List<String> out = new ArrayList<>();
        if (data instanceof String[] a) {
            for (String s : a) {
                out.add(s);
            }
        } else if (data instanceof String s) {
            out.add(s);
        }
        return out;
    }

    private static HostTensor tensor(Path file, String name, Dataset ds)
            throws WeightFormatException {
        int[] dims = ds.getDimensions();
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = dims[i];
        }
        Object flat = ds.isScalar() ? ds.getData() : ds.getDataFlat();
        ByteBuffer b;
        DType t;
        if (flat instanceof float[] f) {
            t = DType.FLOAT32;
            b = alloc(f.length * 4L);
            b.asFloatBuffer().put(f);
        } else if (flat instanceof Float f) {
            t = DType.FLOAT32;
            b = alloc(4).putFloat(0, f);
        } else if (flat instanceof double[] d) {
            t = DType.FLOAT64;
            b = alloc(d.length * 8L);
            b.asDoubleBuffer().put(d);
        } else if (flat instanceof Double d) {
            t = DType.FLOAT64;
            b = alloc(8).putDouble(0, d);
        } else if (flat instanceof int[] a) {
            t = DType.INT32;
            b = alloc(a.length * 4L);
            b.asIntBuffer().put(a);
        } else if (flat instanceof long[] a) {
            t = DType.INT64;
            b = alloc(a.length * 8L);
            b.asLongBuffer().put(a);
        } else if (flat instanceof Long a) {
            t = DType.INT64;
            b = alloc(8).putLong(0, a);
        } else if (flat instanceof Integer a) {
            t = DType.INT32;
            b = alloc(4).putInt(0, a);
        } else {
            throw new WeightFormatException(file, "weight '" + name + "' has unsupported type "
                    + (flat == null ? "null" : flat.getClass().getSimpleName()));
        }
        return HostTensor.of(t, shape, b);
    }

    private static ByteBuffer alloc(long n) {
        return ByteBuffer.allocate(Math.toIntExact(n)).order(ByteOrder.LITTLE_ENDIAN);
    }
}
