package dev.freqmed.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.freqmed.tensor.HostArrays;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor held on the host, independent of the engine: an element type, a shape and the bytes of
 * a storage seen through an element offset and element strides (PyTorch's view model). The storage
 * may be a memory-mapped region of a file, so building a {@code HostTensor} reads nothing; the
 * bytes are touched only by {@link #data()}, {@link #toFloatArray()}, {@link #stats()} and
 * {@link #toNDArray(NDManager)}.
 *
 * <p>Example:
 *
 * <pre>{@code
 * HostTensor t = HostTensor.of(DType.FLOAT32, new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
 * try (NDManager m = NDManager.newBaseManager()) {
 *     NDArray a = t.toNDArray(m);   // (2, 3) float32
 * }
 * }</pre>
 *
 * <p>Instances are immutable; the storage buffer is never written.
 */
public final class HostTensor {

    private final DType dtype;
    private final long[] shape;
    private final long[] strides;
    private final long offset;
    private final ByteBuffer storage;

    private HostTensor(DType dtype, long[] shape, long[] strides, long offset, ByteBuffer storage) {
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.storage = storage;
    }

    /**
     * A contiguous tensor over {@code data} (row-major, in the byte order of {@code data}).
     *
     * @throws IllegalArgumentException when the buffer does not hold exactly the elements of the
     *     shape
     */
    public static HostTensor of(DType dtype, long[] shape, ByteBuffer data) {
        long n = numel(shape);
        long need = Math.multiplyExact(n, (long) dtype.size());
        if (data.remaining() != need) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " "
                    + dtype.torchName() + " needs " + need + " bytes, found " + data.remaining());
        }
        return view(dtype, shape, contiguousStrides(shape), 0, data);
    }

    /** A contiguous float32 tensor holding a copy of {@code values}. */
    public static HostTensor of(DType dtype, long[] shape, float[] values) {
        if (dtype != DType.FLOAT32) {
            throw new IllegalArgumentException("float[] values need dtype float32, found " + dtype);
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return of(dtype, shape, b);
    }

    /**
     * A strided view of a storage: element {@code (i0, i1, ...)} lies at element index
     * {@code offset + sum(ik * strides[k])} of {@code storage}, read in the buffer's byte order.
     *
     * @throws IllegalArgumentException for negative sizes, strides or offset, for arithmetic
     *     overflow, or when the view reaches past the end of the storage
     */
    public static HostTensor view(DType dtype, long[] shape, long[] strides, long offset,
            ByteBuffer storage) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("negative storage offset " + offset);
        }
        long last = offset;
        long n;
        try {
            n = numel(shape);
            for (int i = 0; i < shape.length; i++) {
                if (strides[i] < 0) {
                    throw new IllegalArgumentException("negative stride in "
                            + Arrays.toString(strides));
                }
                if (shape[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, strides[i]));
                }
            }
            Math.multiplyExact(n, (long) dtype.size());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("view of shape " + Arrays.toString(shape)
                    + " and strides " + Arrays.toString(strides) + " overflows");
        }
        long storageElems = storage.remaining() / dtype.size();
        if (n > 0 && last >= storageElems) {
            throw new IllegalArgumentException("view of shape " + Arrays.toString(shape)
                    + ", strides " + Arrays.toString(strides) + ", offset " + offset
                    + " reaches element " + last + " of a storage of " + storageElems
                    + " elements");
        }
        ByteBuffer s = storage.slice().order(storage.order());
        return new HostTensor(dtype, shape.clone(), strides.clone(), offset, s);
    }

    /**
     * Number of elements of a shape.
     *
     * @throws IllegalArgumentException for negative sizes or a count that overflows a long
     */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative size in shape "
                        + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                        + " has more than 2^63 elements");
            }
        }
        return n;
    }

    /** Row-major element strides of a shape. */
    public static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc = Math.multiplyExact(acc, Math.max(shape[i], 1));
        }
        return s;
    }

    /** Copies an engine array to the host (contiguous, little-endian). */
    public static HostTensor fromNDArray(NDArray array) {
        DType t = DType.fromDjl(array.getDataType());
        ByteBuffer b = array.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer copy = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(b).flip();
        return of(t, array.getShape().getShape(), copy);
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape; {@code []} for a 0-d scalar. */
    public long[] shape() {
        return shape.clone();
    }

    /** The shape as a DJL {@link Shape}. */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /** Number of elements. */
    public long numel() {
        return numel(shape);
    }

    /** Number of bytes of the tensor's elements (not of its storage). */
    public long byteSize() {
        return numel() * dtype.size();
    }

    /** Whether the elements lie contiguously, row-major, in little-endian order. */
    public boolean isContiguous() {
        if (storage.order() != ByteOrder.LITTLE_ENDIAN && dtype.size() > 1) {
            return false;
        }
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * The elements, contiguous and little-endian, read-only. For a contiguous tensor this is a
     * view of the storage (no copy); a strided or big-endian view is gathered into a new buffer.
     *
     * @throws IllegalStateException for a strided tensor of 2^31 bytes or more
     */
    public ByteBuffer data() {
        int es = dtype.size();
        if (isContiguous()) {
            long start = offset * es;
            long len = byteSize();
            if (start + len > Integer.MAX_VALUE) {
                throw new IllegalStateException("tensor too large for one buffer: " + len
                        + " bytes");
            }
            ByteBuffer b = storage.duplicate();
            b.position((int) start).limit((int) (start + len));
            return b.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        long len = byteSize();
        if (len > Integer.MAX_VALUE) {
            throw new IllegalStateException("strided tensor too large to gather: " + len
                    + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) len).order(ByteOrder.LITTLE_ENDIAN);
        boolean swap = storage.order() != ByteOrder.LITTLE_ENDIAN;
        if (!swap && (es == 4 || es == 8 || es == 2 || es == 1)) {
            ByteBuffer src = storage.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            forEachElement(pos -> {
                int p = (int) pos;
                switch (es) {
                    case 4 -> out.putInt(src.getInt(p));
                    case 8 -> out.putLong(src.getLong(p));
                    case 2 -> out.putShort(src.getShort(p));
                    default -> out.put(src.get(p));
                }
            });
            out.flip();
            return out.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        // complex64 is two float32: swap each half separately
        int unit = dtype == DType.COMPLEX64 ? 4 : es;
        byte[] tmp = new byte[es];
        forEachElement(pos -> {
            for (int k = 0; k < es; k++) {
                tmp[k] = storage.get((int) (pos + k));
            }
            if (swap) {
                for (int u = 0; u < es; u += unit) {
                    for (int a = 0, b = unit - 1; a < b; a++, b--) {
                        byte x = tmp[u + a];
                        tmp[u + a] = tmp[u + b];
                        tmp[u + b] = x;
                    }
                }
            }
            out.put(tmp);
        });
        out.flip();
        return out.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A view with the axes reordered: axis {@code i} of the result is axis {@code axes[i]} of
     * this tensor (like {@code torch.permute}). No data is copied.
     *
     * @throws IllegalArgumentException when {@code axes} is not a permutation of the axes
     */
    public HostTensor permute(int... axes) {
        if (axes.length != shape.length) {
            throw new IllegalArgumentException("permutation " + Arrays.toString(axes)
                    + " for a tensor of rank " + shape.length);
        }
        boolean[] used = new boolean[axes.length];
        long[] ns = new long[axes.length];
        long[] nst = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            int a = axes[i];
            if (a < 0 || a >= axes.length || used[a]) {
                throw new IllegalArgumentException("not a permutation: " + Arrays.toString(axes));
            }
            used[a] = true;
            ns[i] = shape[a];
            nst[i] = strides[a];
        }
        return new HostTensor(dtype, ns, nst, offset, storage);
    }

    /**
     * The same elements (row-major order) in another shape; copies when the tensor is not
     * contiguous.
     *
     * @throws IllegalArgumentException when the element counts differ
     */
    public HostTensor reshape(long... newShape) {
        if (numel(newShape) != numel()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to "
                    + Arrays.toString(newShape));
        }
        HostTensor c = isContiguous() ? this : copy();
        return of(dtype, newShape, c.data());
    }

    /** A copy of this tensor whose storage is an independent heap buffer (contiguous). */
    public HostTensor copy() {
        ByteBuffer d = data();
        ByteBuffer c = ByteBuffer.allocate(d.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        c.put(d).flip();
        return of(dtype, shape, c);
    }

    /**
     * The values as floats in row-major order. Integers and booleans are converted; complex64
     * values are interleaved (real, imaginary), so the array has twice {@link #numel()} entries.
     */
    public float[] toFloatArray() {
        long n = dtype == DType.COMPLEX64 ? numel() * 2 : numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor too large for a float[]: " + n + " values");
        }
        ByteBuffer d = data();
        float[] out = new float[(int) n];
        if (dtype == DType.FLOAT32 || dtype == DType.COMPLEX64) {
            d.asFloatBuffer().get(out);
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) valueAt(d, i * dtype.size());
        }
        return out;
    }

    /** The values as doubles, like {@link #toFloatArray()} but exact for float64 and int32. */
    public double[] toDoubleArray() {
        long n = dtype == DType.COMPLEX64 ? numel() * 2 : numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor too large for a double[]: " + n + " values");
        }
        ByteBuffer d = data();
        double[] out = new double[(int) n];
        int step = dtype == DType.COMPLEX64 ? 4 : dtype.size();
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype == DType.COMPLEX64 ? d.getFloat(i * step) : valueAt(d, i * step);
        }
        return out;
    }

    /** Sum and sum of squares of the values (complex: over real and imaginary parts). */
    public record Stats(double sum, double sumsq) {
    }

    /**
     * Sum and sum of squares, computed by streaming over the storage without copying it (so a
     * memory-mapped tensor is paged in but never held on the Java heap).
     */
    public Stats stats() {
        double[] acc = new double[2];
        boolean le = storage.order() == ByteOrder.LITTLE_ENDIAN;
        ByteBuffer s = storage.duplicate().order(storage.order());
        if (dtype == DType.FLOAT32 && le && isContiguous()) {
            long n = numel();
            int base = (int) (offset * 4);
            for (long i = 0; i < n; i++) {
                double v = s.getFloat(base + (int) (i * 4));
                acc[0] += v;
                acc[1] += v * v;
            }
            return new Stats(acc[0], acc[1]);
        }
        forEachElement(pos -> {
            if (dtype == DType.COMPLEX64) {
                double re = s.getFloat((int) pos);
                double im = s.getFloat((int) pos + 4);
                acc[0] += re + im;
                acc[1] += re * re + im * im;
            } else {
                double v = valueAt(s, (int) pos);
                acc[0] += v;
                acc[1] += v * v;
            }
        });
        return new Stats(acc[0], acc[1]);
    }

    /**
     * Copies the tensor into a new engine array of the same shape and of dtype
     * {@link #engineDtype()} (the same dtype except bfloat16 and int16, which the engine cannot
     * hold and which are widened exactly to float32 and int32).
     */
    public NDArray toNDArray(NDManager manager) {
        if (dtype == DType.BFLOAT16 || dtype == DType.INT16) {
            // DEVIATION: the PyTorch engine of DJL 0.35 aborts the JVM when it creates or casts to
            // bfloat16 or int16 arrays, so these widen exactly to float32 / int32 on the host.
            return widened().toNDArray(manager);
        }
        ByteBuffer d = data();
        ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(d.remaining(), 1))
                .order(ByteOrder.nativeOrder());
        direct.put(d.duplicate()).flip();
        if (dtype == DType.COMPLEX64) {
            // DJL creates complex arrays as float32: build (..., 2) and view it as complex
            long[] s = Arrays.copyOf(shape, shape.length + 1);
            s[shape.length] = 2;
            try (NDArray pairs = HostArrays.of(manager, direct, new Shape(s), DataType.FLOAT32)) {
                NDArray c = pairs.complex();
                NDArray owned = c.duplicate();
                c.close();
                return owned;
            }
        }
        return HostArrays.of(manager, direct, djlShape(), dtype.djl());
    }

    /** The dtype {@link #toNDArray} produces: bfloat16 becomes float32, int16 becomes int32. */
    public DType engineDtype() {
        return dtype == DType.BFLOAT16 ? DType.FLOAT32 : dtype == DType.INT16 ? DType.INT32 : dtype;
    }

    private HostTensor widened() {
        double[] v = toDoubleArray();
        DType to = engineDtype();
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++) {
            if (to == DType.FLOAT32) {
                b.putFloat(i * 4, (float) v[i]);
            } else {
                b.putInt(i * 4, (int) v[i]);
            }
        }
        return of(to, shape, b);
    }

    /** Reads one element at byte position {@code pos} of {@code b} as a double (not complex). */
    private double valueAt(ByteBuffer b, int pos) {
        switch (dtype) {
            case FLOAT32:
            case COMPLEX64:
                return b.getFloat(pos);
            case FLOAT64:
                return b.getDouble(pos);
            case FLOAT16:
                return halfToFloat(b.getShort(pos));
            case BFLOAT16:
                return Float.intBitsToFloat((b.getShort(pos) & 0xffff) << 16);
            case INT64:
                return b.getLong(pos);
            case INT32:
                return b.getInt(pos);
            case INT16:
                return b.getShort(pos);
            case INT8:
                return b.get(pos);
            case UINT8:
                return b.get(pos) & 0xff;
            case BOOL:
                return b.get(pos) != 0 ? 1 : 0;
            default:
                throw new IllegalStateException("unhandled dtype " + dtype);
        }
    }

    /** IEEE half precision bits to float. */
    public static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h >>> 15) << 31;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private interface PosConsumer {
        void accept(long bytePos);
    }

    /** Visits the byte position of every element in row-major order. */
    private void forEachElement(PosConsumer consumer) {
        long n = numel();
        if (n == 0) {
            return;
        }
        int es = dtype.size();
        int rank = shape.length;
        long[] idx = new long[rank];
        long pos = offset;
        for (long i = 0; i < n; i++) {
            consumer.accept(pos * es);
            for (int k = rank - 1; k >= 0; k--) {
                idx[k]++;
                pos += strides[k];
                if (idx[k] < shape[k]) {
                    break;
                }
                pos -= strides[k] * shape[k];
                idx[k] = 0;
            }
        }
    }

    @Override
    public String toString() {
        return "HostTensor(" + dtype.torchName() + " " + Arrays.toString(shape) + ")";
    }
}
