package dev.freqmed.nn.freq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.freqmed.tensor.Fft2;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The adaptive Fourier filter against spectra worked out by hand, its real-arithmetic inverse
 * against the engine's irfft2, and the attention block's shapes and strict mode.
 */
class FourierFilteredAttentionBlockTest {

    private static NDArray filter(NDManager m, float[] logits, int h, int w, float amp,
            float[] pha) {
        NDArray a = m.create(logits, new Shape(1, h, w));
        int bins = w / 2 + 1;
        NDArray ampMap = m.full(new Shape(1, h, bins), amp);
        NDArray phaMap = m.create(pha, new Shape(1, h, bins));
        return FourierFilteredAttentionBlock.filter(a, ampMap, phaMap);
    }

    @Test
    void amplitudeScalesAnImpulse() {
        try (NDManager m = NDManager.newBaseManager()) {
            // An impulse at (0, 0) has spectrum 1 in every bin, phase 0: amplitude x2 doubles it,
            // any phase factor leaves it (0 times anything is 0).
            float[] a = new float[9];
            a[0] = 1;
            float[] pha = new float[3 * 2];
            java.util.Arrays.fill(pha, 7f);
            float[] out = filter(m, a, 3, 3, 2f, pha).toFloatArray();
            float[] want = new float[9];
            want[0] = 2;
            assertArrayEquals(want, out, 1e-6f);
        }
    }

    @Test
    void negatedPhaseMirrorsAndZeroPhaseCentres() {
        try (NDManager m = NDManager.newBaseManager()) {
            // a = [0, 1, 0] (h = 1, w = 3): X0 = 1, X1 = exp(-2πi/3). Phase x(-1): X1' =
            // exp(2πi/3), so a'[x] = (1 + 2 cos(2π/3 + 2πx/3)) / 3 = [0, 0, 1].
            float[] a = {0, 1, 0};
            assertArrayEquals(new float[] {0, 0, 1},
                    filter(m, a, 1, 3, 1f, new float[] {-1, -1}).toFloatArray(), 1e-6f);
            // Phase x0: every bin real and 1, the inverse is an impulse at 0.
            assertArrayEquals(new float[] {1, 0, 0},
                    filter(m, a, 1, 3, 1f, new float[] {0, 0}).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void unitFiltersReproduceTheLogits() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random r = new Random(1);
            float[] a = new float[4 * 9 * 9];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
            NDArray x = m.create(a, new Shape(4, 9, 9));
            NDArray ones = m.ones(new Shape(4, 9, 5));
            assertArrayEquals(a, FourierFilteredAttentionBlock.filter(x, ones, ones)
                    .toFloatArray(), 1e-5f);
        }
    }

    @Test
    void realInverseMatchesTheEngineAndIgnoresWhatC2rIgnores() {
        try (NDManager m = NDManager.newBaseManager()) {
            // Imaginary part of the zero bin (h = 1): dropped. Even width: the Nyquist bin
            // counts once, a[x] = cos(πx)/4.
            NDArray zero = m.zeros(new Shape(1, 1, 2));
            NDArray im = m.create(new float[] {1, 0}, new Shape(1, 1, 2));
            assertArrayEquals(new float[] {0, 0, 0},
                    FourierFilteredAttentionBlock.inverseRealFft2(zero, im, 1, 3)
                            .toFloatArray(), 1e-7f);
            NDArray nyq = m.create(new float[] {0, 0, 1}, new Shape(1, 1, 3));
            assertArrayEquals(new float[] {0.25f, -0.25f, 0.25f, -0.25f},
                    FourierFilteredAttentionBlock.inverseRealFft2(nyq, m.zeros(new Shape(1, 1,
                            3)), 1, 4).toFloatArray(), 1e-7f);
            Random r = new Random(2);
            for (int w : new int[] {6, 7}) {
                int bins = w / 2 + 1;
                float[] re = new float[2 * 5 * bins];
                float[] ii = new float[re.length];
                for (int i = 0; i < re.length; i++) {
                    re[i] = (float) r.nextGaussian();
                    ii[i] = (float) r.nextGaussian();
                }
                NDArray reA = m.create(re, new Shape(2, 5, bins));
                NDArray imA = m.create(ii, new Shape(2, 5, bins));
                float[] engine = Fft2.irfft2(Fft2.fromParts(reA, imA), 5, w).toFloatArray();
                float[] ours = FourierFilteredAttentionBlock.inverseRealFft2(reA, imA, 5, w)
                        .toFloatArray();
                assertArrayEquals(engine, ours, 1e-5f, "w = " + w);
            }
        }
    }

    @Test
    void attentionGivesOneVectorPerPrototypeAndStrictModeNeeds65() {
        try (NDManager m = NDManager.newBaseManager()) {
            FourierFilteredAttentionBlock b = new FourierFilteredAttentionBlock(8, 2, 5, false);
            b.initialize(m, DataType.FLOAT32, new Shape(1, 8));
            NDArray p = m.randomNormal(new Shape(1, 8));
            NDArray f = m.randomNormal(new Shape(1, 8, 5, 5));
            NDArray o = b.forward(new ParameterStore(m, false), new NDList(p, f), false)
                    .singletonOrThrow();
            assertEquals(new Shape(1, 8), o.getShape());
            assertTrue(Float.isFinite(o.sum().getFloat()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.forward(new ParameterStore(m, false),
                            new NDList(p, m.zeros(new Shape(1, 8, 6, 6))), false));
            assertTrue(e.getMessage().contains("(1, 8, 5, 5)"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FourierFilteredAttentionBlock(512, 4, 64, true));
        assertTrue(e.getMessage().contains("65x65"), e.getMessage());
        assertEquals(65, new FourierFilteredAttentionBlock(4, 1, 65, true).side());
    }

    @Test
    void constantLogitsKeepFiniteGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            // Constant logits: every non-DC bin is exactly 0, where atan2 has no derivative.
            NDArray a = m.full(new Shape(1, 4, 4), 0.3f);
            NDArray amp = m.full(new Shape(1, 4, 3), 1.5f);
            NDArray pha = m.full(new Shape(1, 4, 3), 0.7f);
            for (NDArray x : new NDArray[] {a, amp, pha}) {
                x.setRequiresGradient(true);
            }
            try (ai.djl.training.GradientCollector gc =
                    ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                NDArray out = FourierFilteredAttentionBlock.filter(a, amp, pha);
                assertArrayEquals(m.full(new Shape(1, 4, 4), 0.45f).toFloatArray(),
                        out.toFloatArray(), 1e-6f);
                gc.backward(out.sum());
            }
            for (NDArray x : new NDArray[] {a, amp, pha}) {
                assertEquals(0L, x.getGradient().isNaN().sum().getLong());
            }
        }
    }
}
