package dev.freqmed.io.weights;

import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes PyTorch's zip serialisation (what {@code torch.save} writes since PyTorch 1.6): an
 * archive {@code NAME/data.pkl} holding a protocol-2 pickle of the value tree, one stored entry
 * {@code NAME/data/K} per storage and {@code NAME/version}. {@code torch.load} (also with
 * {@code weights_only=True}) and {@link PthReader} read it back.
 *
 * <p>Values: {@link Map} with string keys (written as a dict, in iteration order), {@link List},
 * {@link String}, {@link Long}/{@link Integer}, {@link Double}, {@link Boolean}, null and
 * {@link HostTensor} (contiguous copy, as {@code torch._utils._rebuild_tensor_v2} of a typed
 * storage). The same {@link HostTensor} object met twice is written as one storage shared by two
 * tensors, as {@code torch.save} does for tensors that share memory. The file is written to a
 * temporary sibling and renamed into place.
 *
 * <pre>{@code
 * PthWriter.write(Path.of("model.pkl"), Map.of("rank_unet", 128L, "sd_encoder", tensors));
 * }</pre>
 */
public final class PthWriter {

    private static final String ARCHIVE = "archive";

    private PthWriter() {
    }

    /**
     * Writes {@code root} to {@code file}.
     *
     * @throws IllegalArgumentException for a value of an unsupported type (naming its path)
     * @throws IOException when the file cannot be written (a previous file is kept)
     */
    public static void write(Path file, Object root) throws IOException {
        Pickler p = new Pickler();
        p.out.write(0x80);
        p.out.write(2);
        p.value(root, "");
        p.out.write('.');
        byte[] pickle = p.out.toByteArray();
        AtomicFiles.write(file, os -> zip(os, pickle, p.storages));
    }

    private static void zip(OutputStream os, byte[] pickle, List<HostTensor> storages)
            throws IOException {
        ZipOutputStream z = new ZipOutputStream(os);
        z.setMethod(ZipOutputStream.STORED);
        stored(z, ARCHIVE + "/data.pkl", List.of(ByteBuffer.wrap(pickle)));
        for (int i = 0; i < storages.size(); i++) {
            stored(z, ARCHIVE + "/data/" + i, List.of(storages.get(i).data()));
        }
        stored(z, ARCHIVE + "/version",
                List.of(ByteBuffer.wrap("3\n".getBytes(StandardCharsets.US_ASCII))));
        z.finish();
        z.flush();
    }

    private static void stored(ZipOutputStream z, String name, List<ByteBuffer> parts)
            throws IOException {
        CRC32 crc = new CRC32();
        long size = 0;
        for (ByteBuffer b : parts) {
            crc.update(b.duplicate());
            size += b.remaining();
        }
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(size);
        e.setCompressedSize(size);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        byte[] chunk = new byte[1 << 16];
        for (ByteBuffer b : parts) {
            ByteBuffer d = b.duplicate();
            while (d.hasRemaining()) {
                int n = Math.min(chunk.length, d.remaining());
                d.get(chunk, 0, n);
                z.write(chunk, 0, n);
            }
        }
        z.closeEntry();
    }

    /** The pickle stream and the storages in the order their keys were given. */
    private static final class Pickler {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final List<HostTensor> storages = new ArrayList<>();
        final Map<HostTensor, Integer> storageKeys = new IdentityHashMap<>();

        void value(Object v, String path) {
            if (v == null) {
                out.write('N');
            } else if (v instanceof Boolean b) {
                out.write(b ? 0x88 : 0x89);
            } else if (v instanceof Integer i) {
                integer(i);
            } else if (v instanceof Long l) {
                integer(l);
            } else if (v instanceof Double d) {
                out.write('G');
                out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(d)
                        .array());
            } else if (v instanceof String s) {
                string(s);
            } else if (v instanceof HostTensor t) {
                tensor(t);
            } else if (v instanceof Map<?, ?> m) {
                out.write('}');
                if (!m.isEmpty()) {
                    out.write('(');
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        if (!(e.getKey() instanceof String k)) {
                            throw new IllegalArgumentException(path + ": dict key "
                                    + e.getKey() + " is not a string");
                        }
                        string(k);
                        value(e.getValue(), path.isEmpty() ? k : path + "." + k);
                    }
                    out.write('u');
                }
            } else if (v instanceof List<?> l) {
                out.write(']');
                if (!l.isEmpty()) {
                    out.write('(');
                    for (int i = 0; i < l.size(); i++) {
                        value(l.get(i), path + "." + i);
                    }
                    out.write('e');
                }
            } else {
                throw new IllegalArgumentException((path.isEmpty() ? "root" : path)
                        + ": cannot write a value of type " + v.getClass().getName());
            }
        }

        void integer(long v) {
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                out.write('J');
                out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt((int) v).array());
            } else {
                out.write(0x8a);
                out.write(8);
                out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v)
                        .array());
            }
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(b.length).array());
            out.writeBytes(b);
        }

        void global(String module, String name) {
            out.write('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        void tensor(HostTensor t) {
            Integer key = storageKeys.get(t);
            if (key == null) {
                key = storages.size();
                storages.add(t);
                storageKeys.put(t, key);
            }
            global("torch._utils", "_rebuild_tensor_v2");
            out.write('(');
            out.write('(');
            string("storage");
            global("torch", storageClass(t.dtype()));
            string(Integer.toString(key));
            string("cpu");
            integer(t.numel());
            out.write('t');
            out.write('Q');
            integer(0);
            long[] shape = t.shape();
            out.write('(');
            for (long d : shape) {
                integer(d);
            }
            out.write('t');
            out.write('(');
            for (long s : HostTensor.contiguousStrides(shape)) {
                integer(s);
            }
            out.write('t');
            out.write(0x89);
            global("collections", "OrderedDict");
            out.write(')');
            out.write('R');
            out.write('t');
            out.write('R');
        }
    }

    private static String storageClass(DType t) {
        return switch (t) {
            case FLOAT32 -> "FloatStorage";
            case FLOAT64 -> "DoubleStorage";
            case FLOAT16 -> "HalfStorage";
            case BFLOAT16 -> "BFloat16Storage";
            case INT64 -> "LongStorage";
            case INT32 -> "IntStorage";
            case INT16 -> "ShortStorage";
            case INT8 -> "CharStorage";
            case UINT8 -> "ByteStorage";
            case BOOL -> "BoolStorage";
            case COMPLEX64 -> "ComplexFloatStorage";
        };
    }
}
