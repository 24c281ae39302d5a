package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * The Keras 2.2 default initialisers used by the reference networks, for weights in PyTorch layout
 * ({@code (out, in/groups, kh, kw)} for convolutions, {@code (out, in)} for dense layers). Fans
 * follow Keras: {@code fan_in = in · kh · kw}, {@code fan_out = out · kh · kw}.
 */
public final class KerasInitializers {

    /** Truncation bound of Keras' truncated normal, in standard deviations. */
    private static final double TRUNCATION = 2.0;

    private KerasInitializers() {
    }

    /**
     * Keras {@code he_normal}: a normal of standard deviation {@code sqrt(2 / fan_in)} truncated
     * at two standard deviations (values beyond are redrawn), as Keras 2.2.0
     * {@code VarianceScaling(2, "fan_in", "normal")}.
     */
    public static Initializer heNormal() {
        return (manager, shape, dataType) -> {
            double std = Math.sqrt(2.0 / fans(shape)[0]);
            return truncatedNormal(manager, shape, dataType).mul(std);
        };
    }

    /** Keras {@code glorot_uniform}: uniform on ±{@code sqrt(6 / (fan_in + fan_out))}. */
    public static Initializer glorotUniform() {
        return (manager, shape, dataType) -> {
            long[] f = fans(shape);
            float limit = (float) Math.sqrt(6.0 / (f[0] + f[1]));
            return manager.randomUniform(-limit, limit, shape, dataType);
        };
    }

    /** {@code {fan_in, fan_out}} of a weight in PyTorch layout. */
    static long[] fans(Shape shape) {
        if (shape.dimension() < 2) {
            throw new IllegalArgumentException("fan of a weight needs at least 2 dimensions, found "
                    + shape);
        }
        long receptive = 1;
        for (int i = 2; i < shape.dimension(); i++) {
            receptive *= shape.get(i);
        }
        return new long[] {shape.get(1) * receptive, shape.get(0) * receptive};
    }

    private static NDArray truncatedNormal(NDManager manager, Shape shape, DataType dataType) {
        NDArray z = manager.randomNormal(0f, 1f, shape, dataType);
        // Redraw the values outside ±2; each round keeps ~95 % of the remainder, so 64 rounds
        // leave nothing in practice. A final clip guarantees the bound.
        for (int round = 0; round < 64; round++) {
            NDArray outside = z.abs().gt(TRUNCATION);
            if (!outside.any().getBoolean()) {
                break;
            }
            NDArray fresh = manager.randomNormal(0f, 1f, shape, dataType);
            z = NDArrays.where(outside, fresh, z);
        }
        return z.clip(-TRUNCATION, TRUNCATION);
    }
}
