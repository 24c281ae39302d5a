package dev.freqmed.io.weights;

import dev.freqmed.io.HostTensor;
import dev.freqmed.io.WeightFormatException;
import dev.freqmed.io.pickle.PickleTuple;
import dev.freqmed.io.pickle.Unpickler;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads PyTorch {@code torch.save} files without executing them: the zip serialisation (default
 * since PyTorch 1.6: {@code PREFIX/data.pkl}, {@code PREFIX/data/KEY} storages,
 * {@code PREFIX/byteorder}, {@code PREFIX/version}) and the legacy one (magic number, protocol,
 * system info, pickle, storage keys, raw storages), and plain pickles ({@code .pkl}) of
 * containers, numbers and numpy arrays. Pickles go through the restricted
 * {@link Unpickler} with {@link TorchPickle}'s short list of globals; anything else (for example
 * {@code posix.system}) is refused by name before it could run.
 *
 * <p>Stored zip entries are memory-mapped, so reading a large file costs little until the tensors
 * are used. Views sharing a storage share its bytes.
 *
 * <pre>{@code
 * Checkpoint c = PthReader.read(Path.of("resnet50.pth"));
 * Map<String, HostTensor> sd = c.stateDict();
 * }</pre>
 */
public final class PthReader {

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    private PthReader() {
    }

    /**
     * Reads a {@code .pth}/{@code .pt}/{@code .ckpt}/{@code .bin} file.
     *
     * @throws WeightFormatException when the file is malformed or refused (message names the
     *     file and the problem, or the forbidden global)
     * @throws IOException when the file cannot be read
     */
    public static Checkpoint read(Path file) throws IOException {
        return read(file, false);
    }

    /**
     * Reads a PyTorch file; with {@code allowUnknownObjects} true, objects of classes outside the
     * allowed list (for example a Lightning {@code AttributeDict} of hyper-parameters) are kept
     * as inert {@link OpaqueObject}s instead of refusing the file. Either way nothing is executed;
     * tensors still come only from the allowed rebuild functions.
     *
     * @throws WeightFormatException when the file is malformed or (in the default mode) refused
     */
    public static Checkpoint read(Path file, boolean allowUnknownObjects) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ByteSource.of(file, ch), allowUnknownObjects);
        }
    }

    /**
     * Reads a PyTorch file held in memory ({@code name} is used in messages).
     *
     * @throws WeightFormatException when the bytes are malformed or refused
     */
    public static Checkpoint read(Path name, ByteBuffer bytes) throws IOException {
        return read(ByteSource.of(name, bytes), false);
    }

    /**
     * Reads a PyTorch file held in memory, optionally keeping unknown objects as inert data (see
     * {@link #read(Path, boolean)}).
     *
     * @throws WeightFormatException when the bytes are malformed or refused
     */
    public static Checkpoint read(Path name, ByteBuffer bytes, boolean allowUnknownObjects)
            throws IOException {
        return read(ByteSource.of(name, bytes), allowUnknownObjects);
    }

    static Checkpoint read(ByteSource src, boolean allowUnknown) throws IOException {
        try {
            ByteBuffer head = src.slice(0, Math.min(src.size(), 16));
            if (ZipIndex.isZip(head)) {
                return readZip(src, allowUnknown);
            }
            if (head.remaining() >= 2 && (head.get(0) & 0xff) == 0x80) {
                return readLegacy(src, allowUnknown);
            }
            if (src.size() > 262) {
                ByteBuffer tar = src.slice(257, 5);
                byte[] m = new byte[5];
                tar.get(m);
                if (new String(m, StandardCharsets.US_ASCII).equals("ustar")) {
                    throw new WeightFormatException(src.path(), "a tar archive: the PyTorch "
                            + "format of versions before 0.4 is not supported (re-save the "
                            + "state dict with a newer PyTorch)");
                }
            }
            throw new WeightFormatException(src.path(),
                    "not a PyTorch file (neither a zip archive nor a legacy pickle)");
        } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException
                | IllegalStateException e) {
            throw new WeightFormatException(src.path(), "malformed PyTorch file: "
                    + e.getMessage(), e);
        }
    }

    private static Checkpoint readZip(ByteSource src, boolean allowUnknown)
            throws IOException {
        ZipIndex zip = ZipIndex.read(src);
        ZipIndex.Entry pkl = null;
        for (ZipIndex.Entry e : zip.entries().values()) {
            String n = e.name();
            if (n.equals("data.pkl") || (n.endsWith("/data.pkl")
                    && n.indexOf('/') == n.length() - "/data.pkl".length())) {
                pkl = e;
                break;
            }
        }
        if (pkl == null) {
            boolean script = zip.entries().keySet().stream()
                    .anyMatch(n -> n.endsWith("constants.pkl") || n.contains("/code/"));
            throw new WeightFormatException(src.path(), script
                    ? "a TorchScript archive, not a saved state dict (save model.state_dict())"
                    : "zip archive without data.pkl: not a PyTorch file");
        }
        String prefix = pkl.name().substring(0, pkl.name().length() - "data.pkl".length());
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        ZipIndex.Entry bo = zip.entries().get(prefix + "byteorder");
        if (bo != null) {
            if (bo.size() > 16) {
                throw new WeightFormatException(src.path(), "byteorder entry is too long");
            }
            ByteBuffer b = zip.data(bo);
            byte[] s = new byte[b.remaining()];
            b.get(s);
            String v = new String(s, StandardCharsets.US_ASCII).trim();
            if (v.equals("big")) {
                order = ByteOrder.BIG_ENDIAN;
            } else if (!v.equals("little")) {
                throw new WeightFormatException(src.path(), "unknown byteorder '" + v + "'");
            }
        }
        TorchPickle handler = new TorchPickle(src.path(), allowUnknown);
        Object root = new Unpickler(src.path(), zip.data(pkl), handler).load();
        for (TorchPickle.StorageRef s : handler.storages().values()) {
            ZipIndex.Entry e = zip.entries().get(prefix + "data/" + s.key);
            if (e == null) {
                throw new WeightFormatException(src.path(), "storage '" + s.key
                        + "' has no entry " + prefix + "data/" + s.key);
            }
            long need = Math.multiplyExact(s.numel, (long) s.dtype.size());
            if (e.size() < need) {
                throw new WeightFormatException(src.path(), "storage '" + s.key + "' holds "
                        + e.size() + " bytes, its " + s.numel + " " + s.dtype.torchName()
                        + " elements need " + need);
            }
            ByteBuffer d = zip.data(e);
            d.limit((int) need);
            s.bytes = d.slice().order(order);
        }
        return new Checkpoint(src.path(), "pytorch-zip", resolve(src.path(), root),
                Map.of());
    }

    private static Checkpoint readLegacy(ByteSource src, boolean allowUnknown)
            throws IOException {
        Path file = src.path();
        ByteBuffer all = src.slice(0, src.size());
        TorchPickle handler = new TorchPickle(file, allowUnknown);
        int[] pos = {0};
        Object magic = loadNext(file, all, pos, handler);
        if (!(magic instanceof BigInteger m && m.equals(LEGACY_MAGIC))) {
            // a plain pickle (.pkl): containers, numbers and numpy arrays, but no storages
            if (!handler.storages().isEmpty()) {
                throw new WeightFormatException(file, "a plain pickle that refers to tensor "
                        + "storages it does not contain");
            }
            return new Checkpoint(file, "pickle", resolve(file, magic), Map.of());
        }
        Object proto = loadNext(file, all, pos, handler);
        if (!(proto instanceof Long v) || v != 1001L) {
            throw new WeightFormatException(file, "unsupported legacy protocol " + proto
                    + " (expected 1001)");
        }
        Object sys = loadNext(file, all, pos, handler);
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        if (sys instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
            order = ByteOrder.BIG_ENDIAN;
        }
        Object root = loadNext(file, all, pos, handler);
        Object keys = loadNext(file, all, pos, handler);
        if (!(keys instanceof List<?> keyList)) {
            throw new WeightFormatException(file, "legacy storage key list is missing");
        }
        long p = pos[0];
        for (Object k : keyList) {
            TorchPickle.StorageRef s = handler.storages().get(String.valueOf(k));
            if (s == null) {
                throw new WeightFormatException(file, "legacy storage '" + k
                        + "' is not used by any tensor");
            }
            if (p + 8 > all.limit()) {
                throw new WeightFormatException(file, "truncated before storage '" + k + "'");
            }
            long n = all.duplicate().order(order).getLong((int) p);
            if (n != s.numel) {
                throw new WeightFormatException(file, "legacy storage '" + k + "' holds " + n
                        + " elements, the pickle declares " + s.numel);
            }
            long len = Math.multiplyExact(n, (long) s.dtype.size());
            p += 8;
            if (len > all.limit() - p) {
                throw new WeightFormatException(file, "truncated inside storage '" + k + "'");
            }
            ByteBuffer d = all.duplicate();
            d.position((int) p).limit((int) (p + len));
            s.bytes = d.slice().order(order);
            p += len;
        }
        for (TorchPickle.StorageRef s : handler.storages().values()) {
            if (s.bytes == null) {
                throw new WeightFormatException(file, "legacy storage '" + s.key
                        + "' is missing from the data section");
            }
        }
        return new Checkpoint(file, "pytorch-legacy", resolve(file, root), Map.of());
    }

    /** Reads the pickle starting at {@code pos[0]} and advances {@code pos[0]} past it. */
    private static Object loadNext(Path file, ByteBuffer all, int[] pos, TorchPickle handler)
            throws WeightFormatException {
        ByteBuffer b = all.duplicate();
        if (pos[0] >= b.limit()) {
            throw new WeightFormatException(file, "truncated legacy file");
        }
        b.position(pos[0]);
        Unpickler u = new Unpickler(file, b, handler);
        Object o = u.load();
        pos[0] += u.position();
        return o;
    }

    /** Replaces tensor references by host tensors, keeping shared values shared. */
    private static Object resolve(Path file, Object root) throws WeightFormatException {
        return resolve(file, root, new IdentityHashMap<>());
    }

    private static Object resolve(Path file, Object o, IdentityHashMap<Object, Object> done)
            throws WeightFormatException {
        if (o == null) {
            return null;
        }
        Object seen = done.get(o);
        if (seen != null) {
            return seen;
        }
        Object r;
        if (o instanceof TorchPickle.TensorRef t) {
            try {
                r = HostTensor.view(t.storage().dtype, t.size(), t.stride(), t.offset(),
                        t.storage().bytes);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new WeightFormatException(file, "tensor on storage '" + t.storage().key
                        + "': " + e.getMessage());
            }
        } else if (o instanceof TorchPickle.NumpyArray a) {
            if (a.tensor == null) {
                throw new WeightFormatException(file, "numpy array without data");
            }
            r = a.tensor;
        } else if (o instanceof TorchPickle.StorageRef s) {
            r = HostTensor.of(s.dtype, new long[] {s.numel}, s.bytes);
        } else if (o instanceof OpaqueObject ob) {
            List<Object> args = new ArrayList<>();
            for (Object v : ob.args()) {
                args.add(resolve(file, v, done));
            }
            OpaqueObject c = new OpaqueObject(ob.type(), args);
            done.put(o, c);
            c.setState(resolve(file, ob.state(), done));
            for (Map.Entry<?, ?> e : ob.entrySet()) {
                c.put(e.getKey(), resolve(file, e.getValue(), done));
            }
            r = c;
        } else if (o instanceof Map<?, ?> m) {
            Map<Object, Object> c = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                c.put(e.getKey(), resolve(file, e.getValue(), done));
            }
            r = c;
        } else if (o instanceof PickleTuple t) {
            List<Object> c = new ArrayList<>();
            for (Object v : t) {
                c.add(resolve(file, v, done));
            }
            r = new PickleTuple(c);
        } else if (o instanceof List<?> l) {
            List<Object> c = new ArrayList<>();
            for (Object v : l) {
                c.add(resolve(file, v, done));
            }
            r = c;
        } else if (o instanceof TorchPickle.Callable || o instanceof TorchPickle.StorageType
                || o instanceof TorchPickle.NumpyDtype || o instanceof TorchPickle.UnknownGlobal) {
            r = o.toString();
        } else {
            r = o;
        }
        done.put(o, r);
        return r;
    }
}
