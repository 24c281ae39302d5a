package dev.freqmed.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * Host data (Java arrays and buffers) copied into arrays whose memory the engine owns.
 *
 * <p>DJL's PyTorch engine makes {@code NDManager.create(float[] ...)} and friends alias a Java
 * direct buffer instead of copying it; the buffer stays alive only as long as the Java array object
 * is open. A tensor that outlives it — one autograd saved for the backward pass, a view, another
 * handle — then reads freed memory after the next garbage collection (see {@link Scalars} for
 * the consequence). Every host-to-engine transfer in the project goes through this class, which
 * makes the engine copy the data ({@code EngineMemoryRuleTest} enforces it). The cost is one
 * memory copy per transfer.
 *
 * <p>The staging buffer the engine copies from is a direct buffer of this class's own, freed as
 * soon as the copy is made. The engine binding's own staging buffers are freed only when the
 * garbage collector finds them, and until then their native memory interleaves with the
 * parameters': initialising a network of 1.4 G parameters held about four times its size in
 * resident memory that way.
 */
public final class HostArrays {

    private HostArrays() {
    }

    /** A float32 array of the given shape holding {@code data} (row-major). */
    public static NDArray of(NDManager manager, float[] data, Shape shape) {
        return of(manager, FloatBuffer.wrap(data), shape, DataType.FLOAT32);
    }

    /** A 1-d float32 array holding {@code data}. */
    public static NDArray of(NDManager manager, float[] data) {
        return of(manager, data, new Shape(data.length));
    }

    /** A 1-d float64 array holding {@code data}. */
    public static NDArray of(NDManager manager, double[] data) {
        return of(manager, DoubleBuffer.wrap(data), new Shape(data.length), DataType.FLOAT64);
    }

    /** A 1-d int64 array holding {@code data}. */
    public static NDArray of(NDManager manager, long[] data) {
        return of(manager, LongBuffer.wrap(data), new Shape(data.length), DataType.INT64);
    }

    /**
     * An array of the given shape and type holding the buffer's remaining elements (the buffer's
     * position is left unchanged).
     */
    public static NDArray of(NDManager manager, Buffer data, Shape shape, DataType type) {
        long bytes = shape.size() * type.getNumOfBytes();
        if (data.remaining() * (long) elementBytes(data) != bytes) {
            throw new IllegalArgumentException("buffer holds " + data.remaining()
                    + " elements, shape " + shape + " of " + type + " needs " + shape.size());
        }
        ByteBuffer staging = ByteBuffer.allocateDirect(Math.toIntExact(bytes))
                .order(ByteOrder.nativeOrder());
        try {
            copy(data, staging);
            try (NDArray wrapped = manager.create(staging, shape, type)) {
                return owned(wrapped);
            }
        } finally {
            free(staging);
        }
    }

    /** A 0-d float32 array holding {@code value}. */
    public static NDArray scalar(NDManager manager, float value) {
        return Scalars.of(manager, value, DataType.FLOAT32);
    }

    /**
     * Overwrites {@code target} in place with {@code data} (row-major, {@code target}'s shape and
     * a float32 or float64 target), leaving {@code target}'s memory the engine's own. Nothing is
     * recorded for autograd, so a parameter that requires a gradient can be loaded this way.
     */
    public static void copyInto(NDArray target, float[] data) {
        try (NDArray src = of(target.getManager(), data, target.getShape());
                NDArray typed = src.toType(target.getDataType(), false)) {
            copyInto(target, typed);
        }
    }

    /** Overwrites {@code target} in place with the buffer's elements (target's shape and type). */
    public static void copyInto(NDArray target, Buffer data) {
        try (NDArray src = of(target.getManager(), data, target.getShape(), target.getDataType())) {
            copyInto(target, src);
        }
    }

    /**
     * Overwrites {@code target} in place with {@code src} (same shape; converted to target's
     * type), without recording for autograd.
     */
    public static void copyInto(NDArray target, NDArray src) {
        // A load, not a computation: like torch's load_state_dict it runs without recording, so
        // a parameter that requires a gradient may be overwritten in place on any thread (new
        // threads start with the engine's gradient mode on).
        boolean recording = JniUtils.isGradMode();
        if (recording) {
            JniUtils.setGradMode(false);
        }
        try {
            target.set(new NDIndex("..."), src);
        } finally {
            if (recording) {
                JniUtils.setGradMode(true);
            }
        }
    }

    private static int elementBytes(Buffer b) {
        if (b instanceof ByteBuffer) {
            return 1;
        }
        if (b instanceof ShortBuffer) {
            return 2;
        }
        if (b instanceof FloatBuffer || b instanceof IntBuffer) {
            return 4;
        }
        if (b instanceof DoubleBuffer || b instanceof LongBuffer) {
            return 8;
        }
        throw new IllegalArgumentException("unsupported buffer " + b.getClass().getName());
    }

    private static void copy(Buffer src, ByteBuffer dst) {
        if (src instanceof ByteBuffer b) {
            dst.put(b.duplicate());
        } else if (src instanceof FloatBuffer f) {
            dst.asFloatBuffer().put(f.duplicate());
        } else if (src instanceof IntBuffer i) {
            dst.asIntBuffer().put(i.duplicate());
        } else if (src instanceof LongBuffer l) {
            dst.asLongBuffer().put(l.duplicate());
        } else if (src instanceof DoubleBuffer d) {
            dst.asDoubleBuffer().put(d.duplicate());
        } else if (src instanceof ShortBuffer h) {
            dst.asShortBuffer().put(h.duplicate());
        }
        dst.rewind();
    }

    /** Frees a direct buffer now rather than when the garbage collector finds it. */
    private static void free(ByteBuffer direct) {
        if (FREE != null) {
            try {
                FREE.invoke(UNSAFE, direct);
            } catch (ReflectiveOperationException e) {
                // left to the garbage collector
            }
        }
    }

    private static final Object UNSAFE;
    private static final Method FREE;

    static {
        Object unsafe = null;
        Method free = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            free = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            free = null;
        }
        UNSAFE = unsafe;
        FREE = free;
    }

    private static NDArray owned(NDArray wrapped) {
        // DJL's duplicate() is the engine's clone(): fresh memory that the engine owns.
        return wrapped.duplicate();
    }
}
