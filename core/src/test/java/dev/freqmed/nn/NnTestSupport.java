package dev.freqmed.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freqmed.io.StateDicts;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Deterministic weights and inputs shared with the torch 1.13 script that made the golden values
 * of the block tests, and the comparisons against those values.
 *
 * <p>Tensor {@code k} of a table (0-based, in table order) gets {@code w[i] = amp · sin(0.37 i +
 * k) + offset} over its row-major elements; inputs are {@code x[i] = sin(0.91 i + 0.5)}. Both are
 * evaluated in double and rounded to float, as the script does. A {@link Golden} records a
 * torch output by its shape, its sum, its sum of absolute values, {@code Σ y[i] cos(0.1 i)} and
 * a few values at fixed flat indices.
 */
final class NnTestSupport {

    private NnTestSupport() {
    }

    /** One row of a weight table: PyTorch key, amplitude, offset. */
    record Weight(String key, double amp, double offset) {
    }

    /** A torch output summarised (see the class comment). */
    record Golden(long[] shape, double sum, double abs, double wsum, int[] idx, double[] val) {
    }

    static Weight w(String key, double amp) {
        return new Weight(key, amp, 0);
    }

    static Weight w(String key, double amp, double offset) {
        return new Weight(key, amp, offset);
    }

    /** The values of tensor {@code k}. */
    static float[] pattern(int size, int k, double amp, double offset) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) (amp * Math.sin(0.37 * i + k) + offset);
        }
        return v;
    }

    /**
     * Fills every parameter of an initialised block from the table, after checking that the
     * block's PyTorch-style keys are exactly the table's.
     */
    static void fill(Block block, List<Weight> table) {
        Map<String, Parameter> params = StateDicts.parameters(block);
        Set<String> expected = new LinkedHashSet<>();
        table.forEach(t -> expected.add(t.key()));
        assertEquals(expected, new LinkedHashSet<>(params.keySet()), "state-dict keys");
        for (int k = 0; k < table.size(); k++) {
            Weight t = table.get(k);
            NDArray a = params.get(t.key()).getArray();
            a.set(FloatBuffer.wrap(pattern((int) a.size(), k, t.amp(), t.offset())));
        }
    }

    /** The shared input pattern. */
    static NDArray input(NDManager manager, Shape shape) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(0.91 * i + 0.5);
        }
        return manager.create(v, shape);
    }

    /** Inference forward with a throw-away parameter store. */
    static NDArray infer(Block block, NDArray x) {
        return block.forward(new ParameterStore(x.getManager(), false), new NDList(x), false)
                .singletonOrThrow();
    }

    /**
     * Compares an output with a golden summary: sampled values within {@code tol}, the three sums
     * within {@code tol} times the number of elements (rounding adds up over a sum).
     *
     * @return the largest sampled-value error
     */
    static double assertMatches(Golden g, NDArray y, double tol) {
        assertArrayEquals(g.shape(), y.getShape().getShape(), "shape");
        float[] v = y.toFloatArray();
        double sum = 0;
        double abs = 0;
        double wsum = 0;
        for (int i = 0; i < v.length; i++) {
            sum += v[i];
            abs += Math.abs(v[i]);
            wsum += v[i] * Math.cos(0.1 * i);
        }
        double maxErr = 0;
        for (int j = 0; j < g.idx().length; j++) {
            double err = Math.abs(v[g.idx()[j]] - g.val()[j]);
            maxErr = Math.max(maxErr, err);
            assertTrue(err <= tol, "value at " + g.idx()[j] + ": " + v[g.idx()[j]] + " vs torch "
                    + g.val()[j]);
        }
        double sumTol = tol * Math.sqrt(v.length);
        assertEquals(g.sum(), sum, sumTol, "sum");
        assertEquals(g.abs(), abs, sumTol, "sum of |y|");
        assertEquals(g.wsum(), wsum, sumTol, "cosine-weighted sum");
        return maxErr;
    }

    /** Largest absolute difference of two arrays of the same shape. */
    static double maxAbsDiff(NDArray a, NDArray b) {
        assertEquals(a.getShape(), b.getShape());
        return a.sub(b).abs().max().getFloat();
    }

    /**
     * Runs forward in training mode and backward of {@code sum(y · target)}, then checks that
     * every trainable parameter and the input got finite gradients that are not all zero, and that
     * frozen parameters got none.
     *
     * @return the trainable keys
     */
    static List<String> assertGradientsFlow(Block block, NDArray x) {
        NDManager m = x.getManager();
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = block.forward(new ParameterStore(m, false), new NDList(x), true)
                    .singletonOrThrow();
            NDArray target = input(m, y.getShape()).mul(0.5).add(0.25);
            gc.backward(y.mul(target).sum());
        }
        assertFinitePositive("input", x.getGradient());
        List<String> trainable = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : StateDicts.parameters(block).entrySet()) {
            NDArray a = e.getValue().getArray();
            if (e.getValue().requiresGradient()) {
                assertTrue(a.hasGradient(), e.getKey() + " should require a gradient");
                assertFinitePositive(e.getKey(), a.getGradient());
                trainable.add(e.getKey());
            } else {
                assertFalse(a.hasGradient(), e.getKey() + " is frozen but records a gradient");
            }
        }
        return trainable;
    }

    private static void assertFinitePositive(String what, NDArray g) {
        assertEquals(0, g.isNaN().logicalOr(g.isInfinite()).sum().getLong(),
                what + " gradient has NaN or infinity");
        assertTrue(g.abs().sum().getFloat() > 0, what + " gradient is all zero");
    }
}
