package dev.freqmed.io;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Deterministic weights for a network's state dict, reproducible in any language, so that a
 * network and a reference implementation can be given the same non-trivial weights without
 * storing them.
 *
 * <p>The rule, per state-dict key:
 * <ul>
 *   <li>seed = CRC-32 of the key's UTF-8 bytes, as an unsigned 64-bit integer;</li>
 *   <li>element {@code i} (0-based, row-major): {@code s = seed + (i + 1) * 0x9E3779B97F4A7C15}
 *       (mod 2^64); {@code z = (s ^ (s >>> 30)) * 0xBF58476D1CE4E5B9};
 *       {@code z = (z ^ (z >>> 27)) * 0x94D049BB133111EB}; {@code z = z ^ (z >>> 31)};
 *       {@code u = (z >>> 11) * 2^-53}, a double in [0, 1) (SplitMix64 finaliser);</li>
 *   <li>value = {@code (float) (lo + (hi - lo) * u)} with, by key and rank:
 *       {@code running_mean} [-0.5, 0.5]; {@code running_var} [0.3, 3.0]; other rank-1
 *       {@code weight} [0.5, 1.5]; other rank-1 {@code bias} [-0.2, 0.2]; rank 2 and above
 *       [-a, a] with {@code a = gain * sqrt(3 / fanIn)}, fanIn the product of the dimensions
 *       after the first;</li>
 *   <li>{@code num_batches_tracked}, {@code frequency.radius} and any other key (rank 0, or rank
 *       1 not named {@code weight} or {@code bias}) keep their current value.</li>
 * </ul>
 * All arithmetic before the final cast is in doubles, so the values are bit-identical to a NumPy
 * implementation using wrapping {@code uint64} and {@code float64}.
 */
public final class SeededStateDict {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long MIX1 = 0xBF58476D1CE4E5B9L;
    private static final long MIX2 = 0x94D049BB133111EBL;

    private SeededStateDict() {
    }

    /**
     * Every parameter of an initialised {@code block} by its state-dict key (see
     * {@link StateDicts#parameters}): generated values where the rule gives a range, a host copy
     * of the current value otherwise. Loading the result strictly consumes every key.
     */
    public static Map<String, HostTensor> of(Block block, double gain) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : StateDicts.parameters(block).entrySet()) {
            HostTensor current = HostTensor.fromNDArray(e.getValue().getArray());
            HostTensor generated = generate(e.getKey(), current.shape(), gain);
            out.put(e.getKey(), generated != null ? generated : current);
        }
        return out;
    }

    /**
     * The float32 tensor the rule gives for {@code key} of {@code shape}, or null when the key
     * keeps its current value.
     */
    public static HostTensor generate(String key, long[] shape, double gain) {
        double[] range = range(key, shape, gain);
        if (range == null) {
            return null;
        }
        long n = HostTensor.numel(shape);
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
        long seed = seed(key);
        double lo = range[0];
        double hi = range[1];
        for (long i = 0; i < n; i++) {
            b.putFloat((float) (lo + (hi - lo) * uniform(seed, i)));
        }
        b.flip();
        return HostTensor.of(DType.FLOAT32, shape, b);
    }

    /** The range [lo, hi] of {@code key}, or null when the key keeps its current value. */
    static double[] range(String key, long[] shape, double gain) {
        if (key.endsWith("running_mean")) {
            return new double[] {-0.5, 0.5};
        }
        if (key.endsWith("running_var")) {
            return new double[] {0.3, 3.0};
        }
        if (key.endsWith("num_batches_tracked") || key.endsWith("frequency.radius")) {
            return null;
        }
        if (shape.length == 1 && key.endsWith("weight")) {
            return new double[] {0.5, 1.5};
        }
        if (shape.length == 1 && key.endsWith("bias")) {
            return new double[] {-0.2, 0.2};
        }
        if (shape.length >= 2) {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            double a = gain * Math.sqrt(3.0 / fanIn);
            return new double[] {-a, a};
        }
        return null;
    }

    /** CRC-32 of the key's UTF-8 bytes (unsigned). */
    public static long seed(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    /** The uniform double in [0, 1) of element {@code index} under {@code seed}. */
    public static double uniform(long seed, long index) {
        long z = seed + (index + 1) * GOLDEN;
        z = (z ^ (z >>> 30)) * MIX1;
        z = (z ^ (z >>> 27)) * MIX2;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }
}
