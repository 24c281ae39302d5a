package dev.freqmed.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;

/**
 * Weight initialisers of Keras and PyTorch as DJL {@link Initializer}s, drawn from an explicitly
 * given, seeded {@link Random} so that a run can be repeated exactly.
 *
 * <p>Values are drawn on the host in the order DJL initialises parameters (the block tree
 * order, which is fixed for a given network), then copied to the parameter's device. One
 * {@code Random} shared by all initialisers of a network therefore reproduces the whole network
 * from its seed.
 *
 * <p><b>Fan-in and fan-out.</b> Shapes are in DJL/PyTorch layout: a linear weight is
 * {@code (out, in)} and a convolution kernel is {@code (out, in / groups, kh, kw, ...)}. As in
 * torch's {@code _calculate_fan_in_and_fan_out}, {@code fanIn = shape[1] * receptive} and
 * {@code fanOut = shape[0] * receptive}, where {@code receptive} is the product of the kernel
 * dimensions (1 for a linear weight). Keras computes the same numbers from its
 * {@code (kh, kw, in, out)} layout, so the Keras initialisers here agree with Keras on the
 * transposed kernel. Arrays with fewer than 2 axes have no fans.
 */
public final class Init {

    /** Keras' correction: std of a unit normal truncated at ±2 standard deviations. */
    private static final double TRUNCATED_STD = 0.87962566103423978;

    private static final int MAX_REJECTIONS = 100_000;

    private Init() {}

    /**
     * Fan-in and fan-out of a weight shape.
     *
     * @param fanIn inputs per output unit
     * @param fanOut outputs per input unit
     */
    public record Fans(long fanIn, long fanOut) {}

    /**
     * Computes fan-in and fan-out of a weight of shape {@code (out, in / groups, k...)}.
     *
     * @param shape weight shape with at least 2 axes
     * @return the fans
     * @throws IllegalArgumentException for shapes with fewer than 2 axes
     */
    public static Fans fans(Shape shape) {
        if (shape.dimension() < 2) {
            throw new IllegalArgumentException(
                    "Fan-in/fan-out need a weight with at least 2 axes (out, in, ...), found "
                            + shape);
        }
        long receptive = 1;
        for (int i = 2; i < shape.dimension(); i++) {
            receptive *= shape.get(i);
        }
        return new Fans(shape.get(1) * receptive, shape.get(0) * receptive);
    }

    /**
     * Keras {@code he_normal}: truncated normal with mean 0 and
     * {@code stddev = sqrt(2 / fanIn) / 0.87962566103423978}, values beyond 2 stddev redrawn.
     * This is {@code VarianceScaling(2, "fan_in", "truncated_normal")} of Keras 2.2.3 and later
     * (and tf.keras), whose correction factor makes the standard deviation after truncation
     * {@code sqrt(2 / fanIn)}; Keras 2.2.2 and earlier drew with {@code sqrt(2 / fanIn)} before
     * truncation.
     *
     * @param rng seeded source of randomness
     * @return the initialiser
     */
    public static Initializer kerasHeNormal(Random rng) {
        Objects.requireNonNull(rng, "rng");
        return (manager, shape, type) -> {
            double std = Math.sqrt(2.0 / fans(shape).fanIn()) / TRUNCATED_STD;
            return fill(manager, shape, type, truncatedNormal(rng, size(shape), 0, std,
                    -2 * std, 2 * std));
        };
    }

    /**
     * Keras {@code glorot_uniform}: {@code U(-l, l)} with {@code l = sqrt(6 / (fanIn + fanOut))}.
     *
     * @param rng seeded source of randomness
     * @return the initialiser
     */
    public static Initializer kerasGlorotUniform(Random rng) {
        Objects.requireNonNull(rng, "rng");
        return (manager, shape, type) -> {
            Fans f = fans(shape);
            double limit = Math.sqrt(6.0 / (f.fanIn() + f.fanOut()));
            return fill(manager, shape, type, uniform(rng, size(shape), limit));
        };
    }

    /**
     * PyTorch's default weight initialisation of {@code nn.Conv*d} and {@code nn.Linear}:
     * {@code kaiming_uniform_(a=sqrt(5))}, i.e. {@code U(-b, b)} with
     * {@code b = gain * sqrt(3 / fanIn)}, {@code gain = sqrt(2 / (1 + 5)) }, which is
     * {@code b = 1 / sqrt(fanIn)}.
     *
     * @param rng seeded source of randomness
     * @return the initialiser
     */
    public static Initializer torchDefaultWeight(Random rng) {
        Objects.requireNonNull(rng, "rng");
        return (manager, shape, type) -> {
            double gain = Math.sqrt(2.0 / (1 + 5.0));
            double bound = gain * Math.sqrt(3.0 / fans(shape).fanIn());
            return fill(manager, shape, type, uniform(rng, size(shape), bound));
        };
    }

    /**
     * PyTorch's default bias initialisation of {@code nn.Conv*d} and {@code nn.Linear}:
     * {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))} where {@code fanIn} is that of the layer's weight.
     *
     * @param fanIn fan-in of the weight the bias belongs to, positive
     * @param rng seeded source of randomness
     * @return the initialiser
     * @throws IllegalArgumentException if {@code fanIn} is not positive
     */
    public static Initializer torchDefaultBias(long fanIn, Random rng) {
        Objects.requireNonNull(rng, "rng");
        if (fanIn < 1) {
            throw new IllegalArgumentException("Expected a positive fan-in, found " + fanIn);
        }
        double bound = 1.0 / Math.sqrt(fanIn);
        return (manager, shape, type) -> fill(manager, shape, type,
                uniform(rng, size(shape), bound));
    }

    /**
     * {@code trunc_normal_(std=std)} as in timm: normal with mean 0 and the given std, truncated
     * to the absolute interval {@code [-2, 2]} (not ±2 std; for the usual {@code std = 0.02}
     * the truncation practically never triggers).
     *
     * @param std standard deviation before truncation, positive
     * @param rng seeded source of randomness
     * @return the initialiser
     */
    public static Initializer truncNormal(double std, Random rng) {
        return truncNormal(0, std, -2, 2, rng);
    }

    /**
     * Normal with the given mean and std, truncated to {@code [a, b]} by redrawing.
     *
     * @param mean mean before truncation
     * @param std standard deviation before truncation, positive
     * @param a lower bound (absolute)
     * @param b upper bound (absolute), greater than {@code a}
     * @param rng seeded source of randomness
     * @return the initialiser
     * @throws IllegalArgumentException on a non-positive std or an empty interval
     */
    public static Initializer truncNormal(double mean, double std, double a, double b, Random rng) {
        Objects.requireNonNull(rng, "rng");
        if (!(std > 0)) {
            throw new IllegalArgumentException("Expected a positive std, found " + std);
        }
        if (!(b > a)) {
            throw new IllegalArgumentException(
                    "Expected truncation bounds a < b, found a=" + a + " b=" + b);
        }
        return (manager, shape, type) ->
                fill(manager, shape, type, truncatedNormal(rng, size(shape), mean, std, a, b));
    }

    /**
     * Re-initialises every already initialised parameter of a block tree as PyTorch initialises
     * {@code nn.Conv*d} / {@code nn.Linear}: each block's direct parameter named {@code weight}
     * with at least 2 axes gets {@link #torchDefaultWeight(Random)}, and a sibling {@code bias}
     * gets {@link #torchDefaultBias(long, Random)} with that weight's fan-in. Other parameters
     * (norm scales, embeddings) are left as they are. Blocks are visited depth first in child
     * order, weight before bias, so a seed reproduces the result.
     *
     * @param block an initialised block
     * @param rng seeded source of randomness
     * @throws IllegalArgumentException if a visited parameter is not initialised yet
     */
    public static void applyTorchDefaults(Block block, Random rng) {
        Objects.requireNonNull(rng, "rng");
        reinitialise(block, w -> torchDefaultWeight(rng),
                w -> torchDefaultBias(fans(w).fanIn(), rng));
    }

    /**
     * Re-initialises a block tree as {@code nn.init.kaiming_normal_(w, mode="fan_in",
     * nonlinearity="relu")} with zero biases: each block's direct parameter named {@code weight}
     * with at least 2 axes gets {@code N(0, 2 / fanIn)}, and a sibling {@code bias} is zeroed.
     * Other parameters are left as they are; the visiting order is that of
     * {@link #applyTorchDefaults}.
     *
     * @param block an initialised block
     * @param rng seeded source of randomness
     * @throws IllegalArgumentException if a visited parameter is not initialised yet
     */
    public static void applyKaimingNormal(Block block, Random rng) {
        Objects.requireNonNull(rng, "rng");
        reinitialise(block, w -> {
            double std = Math.sqrt(2.0 / fans(w).fanIn());
            return (manager, shape, type) -> fill(manager, shape, type, truncatedNormal(rng,
                    size(shape), 0, std, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
        }, w -> (manager, shape, type) -> fill(manager, shape, type, new float[size(shape)]));
    }

    /**
     * Depth first in child order: each block's direct {@code weight} with at least 2 axes, then
     * its sibling {@code bias}, drawn from the initialisers the rules give for the weight's shape.
     */
    private static void reinitialise(Block block,
            Function<Shape, Initializer> weightRule,
            Function<Shape, Initializer> biasRule) {
        Parameter weight = null;
        Parameter bias = null;
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            if ("weight".equals(p.getKey())) {
                weight = p.getValue();
            } else if ("bias".equals(p.getKey())) {
                bias = p.getValue();
            }
        }
        if (weight != null && weight.getArray() != null
                && weight.getArray().getShape().dimension() >= 2) {
            NDArray w = requireInitialised(weight);
            overwrite(w, weightRule.apply(w.getShape()));
            if (bias != null) {
                overwrite(requireInitialised(bias), biasRule.apply(w.getShape()));
            }
        }
        for (Pair<String, Block> child : block.getChildren()) {
            reinitialise(child.getValue(), weightRule, biasRule);
        }
    }

    private static NDArray requireInitialised(Parameter p) {
        if (!p.isInitialized()) {
            throw new IllegalArgumentException(
                    "Parameter " + p.getName() + " is not initialised; initialise the block first");
        }
        return p.getArray();
    }

    private static void overwrite(NDArray target, Initializer init) {
        // Values are drawn on the host, then copied in place on the parameter's own device
        // (an indexed assignment, which unlike set(Buffer) is not limited to CPU arrays).
        try (NDManager scratch = target.getManager().newSubManager()) {
            NDArray values = init.initialize(scratch, target.getShape(), target.getDataType());
            if (!values.getDevice().equals(target.getDevice())) {
                values = values.toDevice(target.getDevice(), false);
            }
            HostArrays.copyInto(target, values);
        }
    }

    private static int size(Shape shape) {
        return Math.toIntExact(shape.size());
    }

    private static NDArray fill(NDManager manager, Shape shape, DataType type, float[] values) {
        NDArray a = HostArrays.of(manager, FloatBuffer.wrap(values), shape, DataType.FLOAT32);
        if (type == null || type == DataType.FLOAT32) {
            return a;
        }
        NDArray cast = a.toType(type, false);
        a.close();
        return cast;
    }

    private static float[] uniform(Random rng, int n, double bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }

    private static float[] truncatedNormal(
            Random rng, int n, double mean, double std, double a, double b) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int tries = 0;
            double x;
            do {
                if (++tries > MAX_REJECTIONS) {
                    throw new IllegalArgumentException(
                            "Truncation interval [" + a + ", " + b + "] lies too far in the tail "
                                    + "of N(" + mean + ", " + std + "^2)");
                }
                x = mean + std * rng.nextGaussian();
            } while (x < a || x > b);
            v[i] = (float) x;
        }
        return v;
    }
}
