package dev.freqmed.nn.freq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Dct2Test {

    @Test
    void roundTripOf16By16IsExact() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random r = new Random(4);
            float[] v = new float[2 * 3 * 16 * 16];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * 5 + 2);
            }
            NDArray x = m.create(v, new Shape(2, 3, 16, 16));
            NDArray y = Dct2.forward(x);
            assertTrue(y.sub(x).abs().max().getFloat() > 1f, "the transform changes the data");
            float err = Dct2.inverse(y).sub(x).abs().max().getFloat();
            assertTrue(err < 1e-5f, "round-trip error " + err);
        }
    }

    /** Against the DCT-II sum written out (scipy dctn type 2, norm="ortho"), non-square. */
    @Test
    void matchesTheOrthonormalDctSum() {
        int h = 5;
        int w = 7;
        Random r = new Random(9);
        double[] x = new double[h * w];
        float[] xf = new float[h * w];
        for (int i = 0; i < x.length; i++) {
            xf[i] = (float) r.nextGaussian();
            x[i] = xf[i];
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float[] y = Dct2.forward(m.create(xf, new Shape(1, h, w))).toFloatArray();
            for (int k = 0; k < h; k++) {
                for (int l = 0; l < w; l++) {
                    double s = 0;
                    for (int n = 0; n < h; n++) {
                        for (int q = 0; q < w; q++) {
                            s += x[n * w + q] * Math.cos(Math.PI * (2 * n + 1) * k / (2.0 * h))
                                    * Math.cos(Math.PI * (2 * q + 1) * l / (2.0 * w));
                        }
                    }
                    s *= (k == 0 ? Math.sqrt(1.0 / h) : Math.sqrt(2.0 / h))
                            * (l == 0 ? Math.sqrt(1.0 / w) : Math.sqrt(2.0 / w));
                    assertEquals(s, y[k * w + l], 1e-5, k + "," + l);
                }
            }
        }
    }

    /** A pure DC image has no high frequencies; a checkerboard keeps its magnitude. */
    @Test
    void centredHighPassRemovesLowFrequencies() {
        assertEquals(32, CentredHighPass.halfSide(128, 128, 0.25));
        try (NDManager m = NDManager.newBaseManager()) {
            float[] flat = new float[16 * 16];
            float[] checker = new float[16 * 16];
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 16; j++) {
                    flat[i * 16 + j] = 7f;
                    checker[i * 16 + j] = (i + j) % 2 == 0 ? 3f : -3f;
                }
            }
            NDArray a = CentredHighPass.apply(m.create(flat, new Shape(1, 1, 16, 16)), 0.25);
            NDArray b = CentredHighPass.apply(m.create(checker, new Shape(1, 1, 16, 16)), 0.25);
            assertTrue(a.abs().max().getFloat() < 1e-4f);
            float[] out = b.toFloatArray();
            for (float v : out) {
                assertEquals(3f, v, 1e-4f);
            }
        }
    }
}
