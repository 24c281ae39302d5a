package dev.freqmed.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.Buffer;

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
 */
public final class HostArrays {

    private HostArrays() {
    }

    /** A float32 array of the given shape holding {@code data} (row-major). */
    public static NDArray of(NDManager manager, float[] data, Shape shape) {
        try (NDArray wrapped = manager.create(data, shape)) {
            return owned(wrapped);
        }
    }

    /** A 1-d float32 array holding {@code data}. */
    public static NDArray of(NDManager manager, float[] data) {
        return of(manager, data, new Shape(data.length));
    }

    /** A 1-d float64 array holding {@code data}. */
    public static NDArray of(NDManager manager, double[] data) {
        try (NDArray wrapped = manager.create(data)) {
            return owned(wrapped);
        }
    }

    /** A 1-d int64 array holding {@code data}. */
    public static NDArray of(NDManager manager, long[] data) {
        try (NDArray wrapped = manager.create(data)) {
            return owned(wrapped);
        }
    }

    /** An array of the given shape and type holding the buffer's remaining elements. */
    public static NDArray of(NDManager manager, Buffer data, Shape shape, DataType type) {
        try (NDArray wrapped = manager.create(data, shape, type)) {
            return owned(wrapped);
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

    private static NDArray owned(NDArray wrapped) {
        // DJL's duplicate() is the engine's clone(): fresh memory that the engine owns.
        return wrapped.duplicate();
    }
}
