package dev.freqmed.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freqmed.engine.ConvPath;
import dev.freqmed.engine.ConvRouter;
import dev.freqmed.io.StateDicts;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gradients every registered model's tiny preset computes on the convolution paths this
 * machine routes to equal those of the kernel-free im2col path (slicing and BLAS matrix products,
 * no convolution kernel): a wrong engine convolution anywhere in a network shows here.
 */
class ModelGradientCheckTest {

    /**
     * Largest accepted {@code |g - g_ref| / |g_ref|} per tensor. Two correct float32 paths differ
     * by up to a few 1e-3 here: where a pre-activation lies within rounding of zero, the paths
     * disagree on ReLU's mask, and one flipped element moves a weight gradient by one term of
     * its sum; FPNuNet's deep attention stacks reach 1.6e-2 on one tensor. A wrong kernel (a missing
     * tap, a NaN) moves gradients by 10 % or more.
     */
    static final double TOLERANCE = 4e-2;


    static Stream<String> models() {
        return ModelRegistry.names().stream().sorted();
    }

    @ParameterizedTest
    @MethodSource("models")
    void tinyPresetGradientsMatchTheTrustedPath(String name) {
        Map<String, float[]> routed = gradients(name, null);
        Map<String, float[]> trusted = ConvRouter.withPath(ConvPath.IM2COL,
                () -> gradients(name, ConvPath.IM2COL));
        assertEquals(trusted.keySet(), routed.keySet());
        assertTrue(routed.size() > 10, name + ": only " + routed.size() + " gradients");
        double largest = 0;
        for (float[] b : trusted.values()) {
            largest = Math.max(largest, norm(b));
        }
        Block probe = ModelRegistry.get(name).buildNetwork(ModelRegistry.get(name).preset("tiny"));
        java.util.Set<String> vanishing = probe instanceof HeldParameters h ? h.vanishingGradientParameters()
                : java.util.Set.of();
        StringBuilder bad = new StringBuilder();
        double worst = 0;
        String worstKey = "";
        for (Map.Entry<String, float[]> e : trusted.entrySet()) {
            float[] a = routed.get(e.getKey());
            float[] b = e.getValue();
            double diff = 0;
            for (int i = 0; i < b.length; i++) {
                assertTrue(Float.isFinite(a[i]), name + " " + e.getKey() + " is not finite");
                diff += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
            }
            if (vanishing.contains(e.getKey())) {
                // Zero in theory: both paths must give negligible gradients.
                assertTrue(norm(a) < 1e-3 * largest && norm(b) < 1e-3 * largest, String.format(Locale.ROOT,
                        "%s %s: gradient %.3g / %.3g of the largest, expected ~0", name, e.getKey(),
                        norm(a) / largest, norm(b) / largest));
                continue;
            }
            // Relative to the tensor's gradient norm, floored at 1e-3 of the largest one: the
            // gradients that vanish in theory (a bias before BatchNorm) are float32 noise.
            double rel = Math.sqrt(diff) / Math.max(norm(b), 1e-3 * largest);
            if (rel > worst) {
                worst = rel;
                worstKey = e.getKey();
            }
            if (rel > TOLERANCE) {
                bad.append(String.format(Locale.ROOT, "%n  %s: %.3g", e.getKey(), rel));
            }
        }
        System.out.printf(Locale.ROOT, "%s: %d gradients, worst relative difference %.2g (%s)%n",
                name, trusted.size(), worst, worstKey);
        assertTrue(bad.length() == 0, name + ": gradients differ from the im2col path:" + bad);
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float f : v) {
            s += (double) f * f;
        }
        return Math.sqrt(s);
    }

    /** Gradients of the task loss for a fixed network, input and target; null path = routed. */
    private static Map<String, float[]> gradients(String name, ConvPath path) {
        ModelRegistry.Entry<?> entry = ModelRegistry.get(name);
        Record cfg = entry.preset("tiny");
        Engine.getInstance().setRandomSeed(11);
        Block net = entry.buildNetwork(cfg);
        TaskAdapter task = entry.buildTask(cfg);
        long c = task.inputShape().get(1);
        long side = task.inputShape().get(2) > 0 ? task.inputShape().get(2) : 64;
        Random r = new Random(5);
        float[] x = new float[(int) (2 * c * side * side)];
        float[] y = new float[(int) (2 * side * side)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            int row = (int) ((i / side) % side);
            int col = (int) (i % side);
            y[i] = (row - side / 2.0) * (row - side / 2.0) + (col - side / 3.0) * (col - side / 3.0)
                    < side * side / 9.0 ? 1f : 0f;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            net.initialize(m, DataType.FLOAT32, new Shape(2, c, side, side));
            Map<String, Parameter> params = StateDicts.parameters(net);
            for (Parameter p : params.values()) {
                if (p.requiresGradient()) {
                    p.getArray().setRequiresGradient(true);
                }
            }
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray in = m.create(x, new Shape(2, c, side, side));
                NDArray target = m.create(y, new Shape(2, 1, side, side));
                NDList out = net.forward(ps, new NDList(in), true);
                gc.backward(task.loss(out, new NDList(target)));
            }
            Map<String, float[]> g = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray a = e.getValue().getArray();
                if (a.hasGradient()) {
                    g.put(e.getKey(), a.getGradient().toFloatArray());
                }
            }
            return g;
        }
    }
}
