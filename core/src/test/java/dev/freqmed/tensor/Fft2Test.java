package dev.freqmed.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fft2 against torch 1.13 {@code torch.fft}; reference values in
 * {@code testdata/tensor/fft.json} (field {@code made_with} says how they were made).
 */
class Fft2Test {

    private static final double TOL = 1e-5;
    private static JsonNode ref;
    private static NDManager manager;

    @BeforeAll
    static void load() {
        ref = TestData.json("tensor/fft.json");
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static NDArray real(String key) {
        JsonNode n = ref.get(key);
        return manager.create(
                TestData.floats(n.get("data")), new Shape(TestData.longs(n.get("shape"))));
    }

    private static NDArray complex(String key) {
        JsonNode n = ref.get(key);
        long[] shape = TestData.longs(n.get("shape"));
        long[] withPair = java.util.Arrays.copyOf(shape, shape.length + 1);
        withPair[shape.length] = 2;
        return manager.create(TestData.floats(n.get("data")), new Shape(withPair)).complex();
    }

    private static void assertClose(String key, NDArray actual) {
        float[] got =
                actual.getDataType() == DataType.COMPLEX64
                        ? actual.real().toFloatArray()
                        : actual.toFloatArray();
        double err = TestData.maxAbsDiff(TestData.floats(ref.get(key).get("data")), got);
        assertTrue(err <= TOL, key + ": max abs error " + err);
    }

    @Test
    void rfft2AndFft2MatchTorchForAllNorms() {
        for (String name : new String[] {"a", "b"}) {
            NDArray x = real("real_" + name);
            for (Fft2.Norm norm : Fft2.Norm.values()) {
                String n = norm.name().toLowerCase(java.util.Locale.ROOT);
                NDArray r = Fft2.rfft2(x, norm);
                assertEquals(
                        new Shape(TestData.longs(ref.get("rfft2_" + name + "_" + n).get("shape"))),
                        r.getShape());
                assertClose("rfft2_" + name + "_" + n, r);
                assertClose("fft2_" + name + "_" + n, Fft2.fft2(x, norm));
            }
        }
    }

    @Test
    void complexFft2Ifft2AndIrfft2WithExplicitSizesMatchTorch() {
        NDArray c = complex("complex_c");
        for (Fft2.Norm norm : Fft2.Norm.values()) {
            String n = norm.name().toLowerCase(java.util.Locale.ROOT);
            assertClose("fft2_c_" + n, Fft2.fft2(c, norm));
            assertClose("ifft2_c_" + n, Fft2.ifft2(c, norm));
            for (int[] hw : new int[][] {{4, 8}, {4, 9}, {3, 7}, {5, 6}}) {
                String key = "irfft2_c_" + hw[0] + "_" + hw[1] + "_" + n;
                NDArray y = Fft2.irfft2(c, hw[0], hw[1], norm);
                assertEquals(new Shape(2, hw[0], hw[1]), y.getShape(), key);
                assertClose(key, y);
            }
        }
    }

    @Test
    void roundTripRestoresOddAndEvenWidths() {
        NDArray b = real("real_b");
        NDArray back = Fft2.irfft2(Fft2.rfft2(b), 4, 7);
        assertTrue(TestData.maxAbsDiff(b.toFloatArray(), back.toFloatArray()) < 1e-5);
        NDArray a = real("real_a");
        NDArray backA = Fft2.ifft2(Fft2.fft2(a, Fft2.Norm.ORTHO), Fft2.Norm.ORTHO);
        assertTrue(
                TestData.maxAbsDiff(a.toFloatArray(), Fft2.realPart(backA).toFloatArray()) < 1e-5);
        assertTrue(Fft2.imagPart(backA).abs().max().getFloat() < 1e-5);
    }

    @Test
    void shiftsMatchTorchOnOddAndEvenSizes() {
        for (String name : new String[] {"a", "b"}) {
            NDArray x = real("real_" + name);
            assertClose("fftshift_" + name, Fft2.fftshift(x));
            assertClose("ifftshift_" + name, Fft2.ifftshift(x));
            NDArray again = Fft2.ifftshift(Fft2.fftshift(x));
            assertEquals(0.0, TestData.maxAbsDiff(x.toFloatArray(), again.toFloatArray()));
        }
        NDArray c = complex("complex_c");
        NDArray shifted = Fft2.ifftshift(Fft2.fftshift(c));
        assertEquals(DataType.COMPLEX64, shifted.getDataType());
        assertEquals(
                0.0, TestData.maxAbsDiff(c.real().toFloatArray(), shifted.real().toFloatArray()));
    }

    @Test
    void complexPartsMagnitudeAndPhase() {
        NDArray c = complex("complex_c");
        assertClose("abs_c", Fft2.abs(c));
        NDArray rebuilt = Fft2.fromPolar(Fft2.abs(c), Fft2.angle(c));
        assertTrue(TestData.maxAbsDiff(c.real().toFloatArray(), rebuilt.real().toFloatArray())
                < 1e-5);
        NDArray parts = Fft2.fromParts(Fft2.realPart(c), Fft2.imagPart(c));
        assertEquals(
                0.0, TestData.maxAbsDiff(c.real().toFloatArray(), parts.real().toFloatArray()));
        assertThrows(IllegalArgumentException.class, () -> Fft2.realPart(real("real_a")));
        assertThrows(IllegalArgumentException.class, () -> Fft2.rfft2(c));
        assertThrows(IllegalArgumentException.class, () -> Fft2.Norm.parse("none"));
        assertEquals(Fft2.Norm.BACKWARD, Fft2.Norm.parse(null));
    }

    @Test
    void gradientsMatchTorchThroughMagnitudeAndRoundTrip() {
        NDArray x = real("real_b");
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(Fft2.abs(Fft2.fft2(x)).sum());
        }
        assertClose("grad_sum_abs_fft2_b", x.getGradient());

        NDArray x2 = real("real_b");
        x2.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray spec = Fft2.rfft2(x2, Fft2.Norm.ORTHO).mul(2f);
            gc.backward(Fft2.irfft2(spec, 4, 7, Fft2.Norm.ORTHO).square().sum());
        }
        assertClose("grad_roundtrip_b", x2.getGradient());
    }
}
