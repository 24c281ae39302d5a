package dev.freqmed.nn.freq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/** Gaussian taps, bands of an impulse and zero-padding edges of {@link GaussianBandStack}. */
class GaussianBandStackTest {

    private static final int[] SIZES = GaussianBandStack.PAPER_KERNEL_SIZES;

    @Test
    void tapsMatchTheSpecTable() {
        // FRCU-Net spec §3.1 table (5 decimal places); also equal to OpenCV 4.6
        // cv2.getGaussianKernel(n, 1.6 * 2 ** (k / 3)).
        double[][] expected = {
            {0.31939, 0.36121, 0.31939},
            {0.16986, 0.21433, 0.23161, 0.21433, 0.16986},
            {0.11037, 0.14089, 0.16311, 0.17127, 0.16311, 0.14089, 0.11037},
            {0.08209, 0.10181, 0.11874, 0.13022, 0.13429, 0.13022, 0.11874, 0.10181, 0.08209},
        };
        double[] sigmas = {2.0159, 2.5398, 3.2000, 4.0317};
        for (int k = 1; k <= 4; k++) {
            double s = GaussianBandStack.sigma(k, GaussianBandStack.PAPER_SIGMA0,
                    GaussianBandStack.PAPER_SIGMA_STEP);
            assertEquals(sigmas[k - 1], s, 5e-5);
            double[] g = GaussianBandStack.gaussianTaps(SIZES[k - 1], s);
            assertArrayEquals(expected[k - 1], g, 5.1e-6);
            double sum = 0;
            for (double v : g) {
                sum += v;
            }
            assertEquals(1.0, sum, 1e-12);
        }
        // OpenCV value at full precision (cv2.getGaussianKernel(9, 4.031747359663594)[4]).
        assertEquals(0.1342851, GaussianBandStack.gaussianTaps(9, 4.031747359663594)[4], 1e-7);
    }

    @Test
    void bandsOfAnImpulseAreKernelDifferences() {
        try (NDManager m = NDManager.newBaseManager()) {
            GaussianBandStack stack = new GaussianBandStack(2);
            Shape shape = new Shape(1, 2, 16, 16);
            stack.initialize(m, DataType.FLOAT32, shape);
            float[] x = new float[2 * 16 * 16];
            x[8 * 16 + 8] = 1f; // impulse at (8, 8) of channel 0; channel 1 stays zero
            NDList bands = stack.forward(new ParameterStore(m, false),
                    new NDList(m.create(x, shape)), false);
            assertEquals(5, bands.size());
            float[][] l = new float[5][];
            for (int i = 0; i < 5; i++) {
                l[i] = bands.get(i).toFloatArray();
                assertEquals("L" + i, bands.get(i).getName());
            }
            assertArrayEquals(x, l[0], 0f);
            // G_k at (8 + dy, 8 + dx) is the kernel tap K_k[c + dy][c + dx].
            for (int dy = -4; dy <= 4; dy++) {
                for (int dx = -4; dx <= 4; dx++) {
                    int idx = (8 + dy) * 16 + 8 + dx;
                    double prev = dy == 0 && dx == 0 ? 1 : 0;
                    for (int k = 1; k <= 4; k++) {
                        double g = tap2d(k, dy, dx);
                        assertEquals(prev - g, l[k][idx], 1e-6, "L" + k + " at " + dy + "," + dx);
                        prev = g;
                    }
                }
            }
            for (int k = 0; k < 5; k++) {
                assertEquals(0f, l[k][0], 0f); // far from the impulse
                assertEquals(0f, l[k][256 + 8 * 16 + 8], 0f); // other channel
            }
        }
    }

    @Test
    void zeroPaddingLosesMassAtTheBorder() {
        try (NDManager m = NDManager.newBaseManager()) {
            GaussianBandStack stack = new GaussianBandStack(1);
            Shape shape = new Shape(1, 1, 16, 16);
            stack.initialize(m, DataType.FLOAT32, shape);
            NDList bands = stack.forward(new ParameterStore(m, false),
                    new NDList(m.ones(shape)), false);
            double prevCorner = 1;
            for (int k = 1; k <= 4; k++) {
                double[] g = GaussianBandStack.gaussianTaps(SIZES[k - 1],
                        GaussianBandStack.sigma(k, 1.6, GaussianBandStack.PAPER_SIGMA_STEP));
                double half = 0; // mass of the taps at and after the centre
                for (int i = g.length / 2; i < g.length; i++) {
                    half += g[i];
                }
                double corner = half * half;
                float[] band = bands.get(k).toFloatArray();
                assertEquals(prevCorner - corner, band[0], 1e-6, "corner of L" + k);
                assertEquals(0f, band[8 * 16 + 8], 1e-6, "interior of L" + k);
                prevCorner = corner;
            }
            // The 9×9 corner keeps (0.13429 + 0.13022 + 0.11874 + 0.10181 + 0.08209)² of its
            // mass: about a third, a large effect on a 16×16 map.
            assertEquals(0.32165, prevCorner, 1e-5);
        }
    }

    @Test
    void kernelsAreFrozenPerChannelCopies() {
        try (NDManager m = NDManager.newBaseManager()) {
            GaussianBandStack stack = new GaussianBandStack(3);
            stack.initialize(m, DataType.FLOAT32, new Shape(1, 3, 8, 8));
            assertEquals(4, stack.getParameters().size());
            for (int k = 1; k <= 4; k++) {
                var p = stack.getParameters().get("gaussian_" + k);
                int n = SIZES[k - 1];
                assertEquals(new Shape(3, 1, n, n), p.getArray().getShape());
                assertEquals(false, p.requiresGradient());
                NDArray a = p.getArray();
                assertEquals(3f, a.sum().getFloat(), 1e-5f);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> new GaussianBandStack(2, new int[] {4}, 1.6, 1.26));
    }

    private static double tap2d(int k, int dy, int dx) {
        int n = SIZES[k - 1];
        int c = n / 2;
        if (Math.abs(dy) > c || Math.abs(dx) > c) {
            return 0;
        }
        double[] g = GaussianBandStack.gaussianTaps(n,
                GaussianBandStack.sigma(k, 1.6, GaussianBandStack.PAPER_SIGMA_STEP));
        return (float) (g[c + dy] * g[c + dx]);
    }
}
