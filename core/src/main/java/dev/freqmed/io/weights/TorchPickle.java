package dev.freqmed.io.weights;

import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.WeightFormatException;
import dev.freqmed.io.pickle.PickleHandler;
import dev.freqmed.io.pickle.PickleTuple;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The globals a PyTorch checkpoint may name, and what they mean: tensor rebuild functions, typed
 * storage classes, {@code collections.OrderedDict}, {@code torch.Size}, {@code torch.device},
 * dtypes, sets and {@code _codecs.encode} (how protocol 2 stores bytes). Every other global is
 * refused by name at the moment it is read.
 */
final class TorchPickle implements PickleHandler {

    /** Globals that stand for pure functions or types. */
    enum Callable {
        ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_TENSOR, REBUILD_PARAMETER, SIZE, DEVICE, SET,
        CODECS_ENCODE, NUMPY_DTYPE, NUMPY_SCALAR, NUMPY_RECONSTRUCT, NUMPY_NDARRAY
    }

    /** A numpy array being unpickled: {@code _reconstruct} makes it, {@code BUILD} fills it. */
    static final class NumpyArray {
        HostTensor tensor;
    }

    /** A numpy dtype ({@code f8}, {@code i4}, ...) with the byte order its state gives. */
    static final class NumpyDtype {
        final String code;
        String order = "<";

        NumpyDtype(String code) {
            this.code = code;
        }

        @Override
        public String toString() {
            return "numpy.dtype('" + code + "')";
        }
    }

    /** A storage class such as {@code torch.FloatStorage}. */
    record StorageType(DType dtype) {
    }

    /** A storage named by a persistent id; its bytes are attached later by the reader. */
    static final class StorageRef {
        final DType dtype;
        final String key;
        final long numel;
        ByteBuffer bytes;

        StorageRef(DType dtype, String key, long numel) {
            this.dtype = dtype;
            this.key = key;
            this.numel = numel;
        }
    }

    /** A tensor awaiting its storage's bytes. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    private static final Set<String> DTYPES = Set.of("float32", "float", "float64", "double",
            "float16", "half", "bfloat16", "int64", "long", "int32", "int", "int16", "short",
            "int8", "uint8", "bool", "complex64", "cfloat", "complex128", "cdouble");

    /** A global of an unknown class, allowed only as inert data. */
    record UnknownGlobal(String name) {
        @Override
        public String toString() {
            return "<global " + name + ">";
        }
    }

    private final Path file;
    private final boolean allowUnknown;
    private final Map<String, StorageRef> storages = new LinkedHashMap<>();

    TorchPickle(Path file, boolean allowUnknown) {
        this.file = file;
        this.allowUnknown = allowUnknown;
    }

    /** Storages named so far, by key, in order of first use. */
    Map<String, StorageRef> storages() {
        return storages;
    }

    private WeightFormatException bad(String problem) {
        return new WeightFormatException(file, problem);
    }

    @Override
    public Object global(String module, String name) throws WeightFormatException {
        String full = module + "." + name;
        switch (full) {
            case "collections.OrderedDict":
                return Callable.ORDERED_DICT;
            case "torch._utils._rebuild_tensor_v2":
                return Callable.REBUILD_TENSOR_V2;
            case "torch._utils._rebuild_tensor":
                return Callable.REBUILD_TENSOR;
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return Callable.REBUILD_PARAMETER;
            case "torch.Size":
                return Callable.SIZE;
            case "torch.device":
                return Callable.DEVICE;
            case "builtins.set":
            case "builtins.frozenset":
            case "__builtin__.set":
            case "__builtin__.frozenset":
                return Callable.SET;
            case "_codecs.encode":
                return Callable.CODECS_ENCODE;
            case "numpy.dtype":
                return Callable.NUMPY_DTYPE;
            case "numpy.core.multiarray.scalar":
            case "numpy._core.multiarray.scalar":
                return Callable.NUMPY_SCALAR;
            case "numpy.core.multiarray._reconstruct":
            case "numpy._core.multiarray._reconstruct":
                return Callable.NUMPY_RECONSTRUCT;
            case "numpy.ndarray":
                return Callable.NUMPY_NDARRAY;
            default:
                break;
        }
        if (module.equals("torch")) {
            DType t = DType.fromStorageClass(name);
            if (t != null) {
                return new StorageType(t);
            }
            if (DTYPES.contains(name)) {
                return full;
            }
        }
        if (allowUnknown) {
            return new UnknownGlobal(full);
        }
        String hint = module.startsWith("torch.nn") || module.equals("__main__")
                ? " (the file holds a pickled Python object; save model.state_dict() instead)"
                : "";
        throw bad("refused to load: the pickle references the global '" + full
                + "', which is not allowed in a weight file (only tensors and plain containers "
                + "are); nothing was executed" + hint);
    }

    @Override
    public Object reduce(Object callable, List<Object> args) throws WeightFormatException {
        if (callable instanceof UnknownGlobal u) {
            return new OpaqueObject(u.name(), new ArrayList<>(args));
        }
        if (!(callable instanceof Callable c)) {
            throw bad("the pickle calls " + describe(callable) + ", which is not callable here");
        }
        switch (c) {
            case ORDERED_DICT: {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (!args.isEmpty()) {
                    if (!(args.get(0) instanceof List<?> items)) {
                        throw bad("OrderedDict argument is not a list of pairs");
                    }
                    for (Object it : items) {
                        if (!(it instanceof List<?> pair) || pair.size() != 2
                                || !isScalar(pair.get(0))) {
                            throw bad("OrderedDict argument is not a list of pairs");
                        }
                        m.put(pair.get(0), pair.get(1));
                    }
                }
                return m;
            }
            case REBUILD_TENSOR_V2:
            case REBUILD_TENSOR:
                if (args.size() < 4) {
                    throw bad("tensor rebuild with " + args.size() + " arguments, expected 4+");
                }
                if (!(args.get(0) instanceof StorageRef s)) {
                    throw bad("tensor rebuild without a storage (found "
                            + describe(args.get(0)) + ")");
                }
                return new TensorRef(s, asLong(args.get(1), "storage offset"),
                        longs(args.get(2), "size"), longs(args.get(3), "stride"));
            case REBUILD_PARAMETER:
                if (args.isEmpty() || !(args.get(0) instanceof TensorRef)) {
                    throw bad("parameter rebuild without a tensor");
                }
                return args.get(0);
            case SIZE:
                return args.isEmpty() ? PickleTuple.of() : args.get(0);
            case DEVICE:
                return args.isEmpty() ? "cpu" : String.valueOf(args.get(0));
            case SET:
                return args.isEmpty() || !(args.get(0) instanceof List<?> l)
                        ? new ArrayList<>() : new ArrayList<Object>(l);
            case CODECS_ENCODE:
                if (args.size() < 1 || !(args.get(0) instanceof String s)) {
                    throw bad("_codecs.encode without a string");
                }
                return s.getBytes(StandardCharsets.ISO_8859_1);
            case NUMPY_DTYPE:
                if (args.isEmpty() || !(args.get(0) instanceof String code)) {
                    throw bad("numpy.dtype without a type code");
                }
                return new NumpyDtype(code);
            case NUMPY_SCALAR:
                return numpyScalar(args);
            case NUMPY_RECONSTRUCT:
                if (args.isEmpty() || args.get(0) != Callable.NUMPY_NDARRAY) {
                    throw bad("numpy _reconstruct of something other than numpy.ndarray");
                }
                return new NumpyArray();
            default:
                throw bad("unhandled callable " + c);
        }
    }

    @Override
    public Object build(Object target, Object state) throws WeightFormatException {
        // an OrderedDict state dict carries '_metadata' (module versions); a parameter may carry
        // Python attributes. Neither affects the values.
        if (target instanceof OpaqueObject o) {
            o.setState(state);
            return o;
        }
        if (target instanceof Map<?, ?> || target instanceof TensorRef) {
            return target;
        }
        if (target instanceof NumpyArray a) {
            a.tensor = numpyArray(state);
            return a;
        }
        if (target instanceof NumpyDtype d) {
            // state: (version, byte order, subarray, names, fields, elsize, alignment, flags)
            if (state instanceof List<?> l && l.size() > 1 && l.get(1) instanceof String o) {
                d.order = o;
            }
            return d;
        }
        throw bad("the pickle sets state on " + describe(target) + ", which is not allowed");
    }

    @Override
    public List<Object> extraChildren(Object container) {
        if (container instanceof OpaqueObject o) {
            List<Object> l = new ArrayList<>(o.args());
            l.add(o.state());
            return l;
        }
        return List.of();
    }

    @Override
    public Object persistentLoad(Object pid) throws WeightFormatException {
        if (!(pid instanceof List<?> t) || t.size() < 5 || !"storage".equals(t.get(0))) {
            throw bad("unsupported persistent id " + describe(pid)
                    + " (expected ('storage', type, key, location, size))");
        }
        if (!(t.get(1) instanceof StorageType st)) {
            throw bad("persistent id names " + describe(t.get(1)) + " instead of a storage type");
        }
        Object k = t.get(2);
        if (!(k instanceof String) && !(k instanceof Long)) {
            throw bad("storage key is " + describe(k));
        }
        String key = String.valueOf(k);
        long numel = asLong(t.get(4), "storage size");
        if (t.size() > 5 && t.get(5) != null) {
            throw bad("storage '" + key + "' is a legacy storage view, which is not supported");
        }
        StorageRef prev = storages.get(key);
        if (prev != null) {
            if (prev.dtype != st.dtype() || prev.numel != numel) {
                throw bad("storage '" + key + "' is declared twice with different types or sizes");
            }
            return prev;
        }
        StorageRef s = new StorageRef(st.dtype(), key, numel);
        storages.put(key, s);
        return s;
    }

    /**
     * The state of a numpy array: (version, shape, dtype, is_fortran, raw bytes). Object arrays
     * (whose data is a list of Python objects) are refused.
     */
    private HostTensor numpyArray(Object state) throws WeightFormatException {
        if (!(state instanceof List<?> st) || st.size() != 5
                || !(st.get(1) instanceof List<?> sh) || !(st.get(2) instanceof NumpyDtype d)
                || !(st.get(3) instanceof Boolean fortran)) {
            throw bad("numpy array state is not (version, shape, dtype, fortran, data)");
        }
        if (!(st.get(4) instanceof byte[] raw)) {
            throw bad("numpy array of dtype '" + d.code + "' holds Python objects, which are not"
                    + " allowed in a weight file");
        }
        DType t = switch (d.code) {
            case "f4" -> DType.FLOAT32;
            case "f8" -> DType.FLOAT64;
            case "f2" -> DType.FLOAT16;
            case "i8" -> DType.INT64;
            case "i4" -> DType.INT32;
            case "i2" -> DType.INT16;
            case "i1" -> DType.INT8;
            case "u1" -> DType.UINT8;
            case "b1" -> DType.BOOL;
            case "c8" -> DType.COMPLEX64;
            default -> throw bad("unsupported numpy array dtype '" + d.code + "'");
        };
        long[] shape = longs(sh, "size");
        ByteBuffer b = ByteBuffer.wrap(raw).order(d.order.equals(">")
                ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN);
        try {
            long need = Math.multiplyExact(HostTensor.numel(shape), (long) t.size());
            if (need != raw.length) {
                throw bad("numpy array of shape " + sh + " '" + d.code + "' needs " + need
                        + " bytes, found " + raw.length);
            }
            long[] strides = HostTensor.contiguousStrides(shape);
            if (fortran) {
                long acc = 1;
                for (int i = 0; i < shape.length; i++) {
                    strides[i] = acc;
                    acc *= Math.max(shape[i], 1);
                }
            }
            return HostTensor.view(t, shape, strides, 0, b);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw bad("numpy array: " + e.getMessage());
        }
    }

    /** numpy.core.multiarray.scalar(dtype, bytes): a numpy scalar as Long, Double or Boolean. */
    private Object numpyScalar(List<Object> args) throws WeightFormatException {
        if (args.size() < 2 || !(args.get(0) instanceof NumpyDtype d)
                || !(args.get(1) instanceof byte[] raw)) {
            throw bad("numpy scalar without a dtype and bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(d.order.equals(">")
                ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN);
        int need = switch (d.code) {
            case "f8", "i8" -> 8;
            case "f4", "i4", "u4" -> 4;
            case "f2", "i2", "u2" -> 2;
            case "i1", "u1", "b1" -> 1;
            default -> throw bad("unsupported numpy scalar type '" + d.code + "'");
        };
        if (raw.length != need) {
            throw bad("numpy scalar of type '" + d.code + "' has " + raw.length
                    + " bytes, expected " + need);
        }
        Object v = switch (d.code) {
            case "f8" -> b.getDouble(0);
            case "f4" -> (double) b.getFloat(0);
            case "f2" -> (double) HostTensor.halfToFloat(b.getShort(0));
            case "i8" -> b.getLong(0);
            case "i4" -> (long) b.getInt(0);
            case "i2" -> (long) b.getShort(0);
            case "i1" -> (long) b.get(0);
            case "u4" -> b.getInt(0) & 0xffffffffL;
            case "u2" -> (long) (b.getShort(0) & 0xffff);
            case "u1" -> (long) (b.get(0) & 0xff);
            default -> b.get(0) != 0;
        };
        return v;
    }

    private static boolean isScalar(Object o) {
        return o == null || o instanceof String || o instanceof Long || o instanceof Double
                || o instanceof Boolean;
    }

    private long asLong(Object o, String what) throws WeightFormatException {
        if (o instanceof Long l && l >= 0) {
            return l;
        }
        throw bad(what + " is " + describe(o) + ", expected a non-negative integer");
    }

    private long[] longs(Object o, String what) throws WeightFormatException {
        if (!(o instanceof List<?> l) || l.size() > 64) {
            throw bad("tensor " + what + " is " + describe(o) + ", expected a tuple of integers");
        }
        long[] r = new long[l.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = asLong(l.get(i), "tensor " + what + " entry");
        }
        return r;
    }

    private static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof String s) {
            return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        }
        return o.getClass().getSimpleName();
    }
}
