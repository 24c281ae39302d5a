package dev.freqmed.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.function.BinaryOperator;

/**
 * Arithmetic between an array and a plain number that is safe in a recorded (training) pass.
 *
 * <p>Why this exists: DJL's PyTorch engine implements {@code NDArray.mul(Number)},
 * {@code div(Number)}, {@code maximum(Number)}, {@code pow(Number)} and the like by wrapping the
 * number in a 0-d array whose memory is a Java direct buffer (no copy), applying the
 * array–array operation and closing the wrapper. Autograd keeps a reference to that 0-d tensor
 * for the backward pass, but once the wrapper is closed nothing on the Java side keeps its
 * buffer alive: after a garbage collection the memory is freed and reused, and backward reads
 * whatever lies there. The gradient of {@code w.mul(2.5f)} then comes out as 1e30, 1e-45 or NaN
 * at random ({@code HostArraysTest} reproduces it). Here the number becomes an engine-owned 0-d
 * array ({@code full}), which autograd can keep for as long as it needs.
 *
 * <p>{@code add}/{@code sub} with a number and comparisons are safe in DJL as they are (their
 * backward keeps no operand), so they have no counterpart here. Every other arithmetic call with a
 * plain number in the project goes through this class; {@code EngineMemoryRuleTest} enforces it.
 */
public final class Scalars {

    private Scalars() {
    }

    /**
     * A 0-d array holding {@code value} in engine-owned memory, in {@code like}'s manager and on
     * its device, with the data type an operation with {@code like} keeps: {@code like}'s own type
     * when it is floating point, or when the value is whole; float32 otherwise.
     */
    public static NDArray of(NDArray like, double value) {
        DataType type = like.getDataType();
        if (!type.isFloating() && value != Math.rint(value)) {
            type = DataType.FLOAT32;
        }
        if (type == DataType.BOOLEAN) {
            type = DataType.FLOAT32;
        }
        return of(like.getManager(), value, type);
    }

    /** A 0-d array of the given type holding {@code value} in engine-owned memory. */
    public static NDArray of(NDManager manager, double value, DataType type) {
        // create(Number) wraps a direct buffer; duplicate() (the engine's clone) and a
        // conversion to another type both copy into engine memory (toType to the same type
        // would not).
        try (NDArray wrapped =
                type == DataType.FLOAT64 ? manager.create(value) : manager.create((float) value)) {
            return wrapped.getDataType() == type
                    ? wrapped.duplicate()
                    : wrapped.toType(type, false);
        }
    }

    /** {@code x * value}. */
    public static NDArray mul(NDArray x, double value) {
        return withScalar(x, value, NDArray::mul);
    }

    /** {@code x *= value} in place; returns {@code x}. */
    public static NDArray muli(NDArray x, double value) {
        return withScalar(x, value, NDArray::muli);
    }

    /** {@code x / value}. */
    public static NDArray div(NDArray x, double value) {
        return withScalar(x, value, NDArray::div);
    }

    /** {@code x ** value}. */
    public static NDArray pow(NDArray x, double value) {
        return withScalar(x, value, NDArray::pow);
    }

    /** Element-wise {@code max(x, value)}. */
    public static NDArray maximum(NDArray x, double value) {
        return withScalar(x, value, NDArray::maximum);
    }

    /** Element-wise {@code min(x, value)}. */
    public static NDArray minimum(NDArray x, double value) {
        return withScalar(x, value, NDArray::minimum);
    }

    private static NDArray withScalar(NDArray x, double value, BinaryOperator<NDArray> op) {
        try (NDArray s = of(x, value)) {
            return op.apply(x, s);
        }
    }

    /**
     * Element-wise clamp to {@code [low, high]}: the values of torch's {@code clamp}. The gradient
     * differs from clamp's only where an element equals a bound exactly (halved there, as torch's
     * maximum/minimum do).
     */
    public static NDArray clip(NDArray x, double low, double high) {
        try (NDArray lo = of(x, low);
                NDArray hi = of(x, high);
                NDArray m = x.maximum(lo)) {
            return m.minimum(hi);
        }
    }
}
