package dev.freqmed.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.Initializer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Statistics, bounds and reproducibility of the initialisers. */
class InitTest {

    /** Conv kernel (out 64, in 32, 3, 3): fanIn 288, fanOut 576; 18432 values. */
    private static final Shape KERNEL = new Shape(64, 32, 3, 3);

    private static float[] draw(Initializer init) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = init.initialize(manager, KERNEL, DataType.FLOAT32);
            assertEquals(KERNEL, a.getShape());
            return a.toFloatArray();
        }
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @Test
    void fansFollowTorchLayout() {
        assertEquals(new Init.Fans(288, 576), Init.fans(KERNEL));
        assertEquals(new Init.Fans(10, 5), Init.fans(new Shape(5, 10)));
        // grouped conv (out 8, in 16 / groups 4, 3, 3)
        assertEquals(new Init.Fans(36, 72), Init.fans(new Shape(8, 4, 3, 3)));
        assertThrows(IllegalArgumentException.class, () -> Init.fans(new Shape(5)));
    }

    @Test
    void kerasHeNormalHasHeStdAndTwoSigmaTruncation() {
        float[] v = draw(Init.kerasHeNormal(new Random(1)));
        double target = Math.sqrt(2.0 / 288);
        double sigma = target / 0.87962566103423978;
        assertEquals(0, mean(v), 0.03 * target);
        assertEquals(target, std(v), 0.02 * target);
        assertTrue(maxAbs(v) <= 2 * sigma + 1e-6);
        assertTrue(maxAbs(v) > 1.9 * sigma);
    }

    @Test
    void glorotAndTorchDefaultsAreUniformWithTheirBounds() {
        double glorot = Math.sqrt(6.0 / (288 + 576));
        float[] g = draw(Init.kerasGlorotUniform(new Random(2)));
        assertTrue(maxAbs(g) <= glorot);
        assertEquals(glorot / Math.sqrt(3), std(g), 0.02 * glorot);
        assertEquals(0, mean(g), 0.02 * glorot);

        double bound = 1 / Math.sqrt(288);
        float[] t = draw(Init.torchDefaultWeight(new Random(3)));
        assertTrue(maxAbs(t) <= bound + 1e-7);
        assertTrue(maxAbs(t) > 0.99 * bound);
        assertEquals(bound / Math.sqrt(3), std(t), 0.02 * bound);

        float[] b = draw(Init.torchDefaultBias(16, new Random(4)));
        assertTrue(maxAbs(b) <= 0.25 + 1e-7);
        assertEquals(0.25 / Math.sqrt(3), std(b), 0.02 * 0.25);
    }

    @Test
    void truncNormalUsesAbsoluteBounds() {
        float[] small = draw(Init.truncNormal(0.02, new Random(5)));
        assertEquals(0.02, std(small), 0.02 * 0.02);
        float[] wide = draw(Init.truncNormal(0, 1, -0.5, 1.5, new Random(6)));
        for (float x : wide) {
            assertTrue(x >= -0.5 && x <= 1.5);
        }
        assertThrows(IllegalArgumentException.class, () -> Init.truncNormal(0, 0, -1, 1,
                new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> Init.truncNormal(0, 1, 1, -1,
                new Random(1)));
    }

    @Test
    void sameSeedSameValuesDifferentSeedDifferentValues() {
        assertArrayEquals(draw(Init.kerasHeNormal(new Random(42))),
                draw(Init.kerasHeNormal(new Random(42))));
        assertArrayEquals(draw(Init.torchDefaultWeight(new Random(42))),
                draw(Init.torchDefaultWeight(new Random(42))));
        assertFalse(java.util.Arrays.equals(draw(Init.kerasHeNormal(new Random(42))),
                draw(Init.kerasHeNormal(new Random(43)))));
    }

    private static float[] linearThroughDjl(long seed) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Linear linear = Linear.builder().setUnits(300).build();
            linear.setInitializer(Init.kerasGlorotUniform(new Random(seed)),
                    Parameter.Type.WEIGHT);
            linear.initialize(manager, DataType.FLOAT32, new Shape(2, 100));
            return linear.getParameters().get("weight").getArray().toFloatArray();
        }
    }

    @Test
    void worksAsDjlBlockInitializer() {
        float[] w = linearThroughDjl(11);
        assertEquals(300 * 100, w.length);
        double limit = Math.sqrt(6.0 / (100 + 300));
        assertTrue(maxAbs(w) <= limit);
        assertEquals(limit / Math.sqrt(3), std(w), 0.03 * limit);
        assertArrayEquals(w, linearThroughDjl(11));
    }

    private static float[] initialisedNet(long seed) {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock net = new SequentialBlock()
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).build())
                    .add(ai.djl.nn.Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(4).build());
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 2, 5, 5));
            Init.applyTorchDefaults(net, new Random(seed));
            float[] all = new float[0];
            for (ai.djl.util.Pair<String, Parameter> p : net.getParameters()) {
                float[] v = p.getValue().getArray().toFloatArray();
                float[] joined = java.util.Arrays.copyOf(all, all.length + v.length);
                System.arraycopy(v, 0, joined, all.length, v.length);
                all = joined;
                String name = p.getKey();
                if (name.endsWith("weight") || name.endsWith("bias")) {
                    // conv fanIn = 2*3*3 = 18; linear fanIn = 8*3*3 = 72
                    double bound = name.startsWith("01") ? 1 / Math.sqrt(18) : 1 / Math.sqrt(72);
                    assertTrue(maxAbs(v) <= bound + 1e-7, name);
                }
            }
            return all;
        }
    }

    @Test
    void applyTorchDefaultsIsBoundedAndReproducible() {
        float[] a = initialisedNet(7);
        assertArrayEquals(a, initialisedNet(7));
        assertFalse(java.util.Arrays.equals(a, initialisedNet(8)));
    }

    /** Kaiming-normal (fan-in, ReLU gain) weights with their standard deviation, zero biases. */
    @Test
    void applyKaimingNormalDrawsHeStdAndZeroBiases() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock net = new SequentialBlock()
                    .add(Conv2d.builder().setFilters(64).setKernelShape(new Shape(3, 3)).build());
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 32, 5, 5));
            Init.applyTorchDefaults(net, new Random(2));
            assertTrue(maxAbs(net.getParameters().get(1).getValue().getArray().toFloatArray()) > 0);
            Init.applyKaimingNormal(net, new Random(3));
            float[] w = net.getParameters().get(0).getValue().getArray().toFloatArray();
            float[] b = net.getParameters().get(1).getValue().getArray().toFloatArray();
            assertEquals(Math.sqrt(2.0 / 288), std(w), 0.03 * Math.sqrt(2.0 / 288));
            assertEquals(0, mean(w), 0.05 * Math.sqrt(2.0 / 288));
            assertEquals(0, maxAbs(b));
        }
    }
}
