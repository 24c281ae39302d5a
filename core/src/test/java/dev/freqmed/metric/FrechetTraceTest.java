package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FrechetTrace} against the symmetric-square-root trace of
 * {@link FrechetInceptionDistance} on random feature sets with fewer, as many and more samples
 * than dimensions, and its eigenvalues against a known spectrum.
 */
class FrechetTraceTest {

    private static FeatureMatrix random(int n, int d, long seed, double shift) {
        Random r = new Random(seed);
        double[] v = new double[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian() * (1 + (i % d) * 0.1) + shift;
        }
        return new FeatureMatrix(n, d, v);
    }

    @Test
    void equalsTheSquareRootTraceForSmallAndLargeSets() {
        int d = 12;
        int[][] sizes = {{5, 7}, {7, 5}, {12, 30}, {40, 25}, {3, 3}, {60, 80}};
        for (int[] s : sizes) {
            FeatureMatrix f1 = random(s[0], d, s[0], 0);
            FeatureMatrix f2 = random(s[1], d, 100 + s[1], 0.3);
            double[] mu1 = FrechetInceptionDistance.mean(f1);
            double[] mu2 = FrechetInceptionDistance.mean(f2);
            double[] s1 = FrechetInceptionDistance.covariance(f1, mu1);
            double[] s2 = FrechetInceptionDistance.covariance(f2, mu2);
            double want = FrechetInceptionDistance.traceSqrtProduct(s1, s2, d);
            double got = FrechetTrace.traceSqrtProduct(f1, mu1, s1, f2, mu2, s2);
            // With fewer samples than dimensions the square-root method adds the roots of
            // round-off eigenvalues (about 1e-8 each); the factored form has none.
            double tol = Math.min(s[0], s[1]) <= d ? 1e-7 : 1e-9;
            assertEquals(want, got, tol * want, Arrays.toString(s));
        }
    }

    @Test
    void eigenvaluesOfAKnownSpectrum() {
        // Q diag(5, 3, 1, 0.5) Qᵀ with Q a rotation mixing all axes.
        double[] lambda = {5, 3, 1, 0.5};
        int n = 4;
        double[] q = new double[n * n];
        Random r = new Random(7);
        double[] a = new double[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
        }
        // Gram-Schmidt on the columns of a
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                q[i * n + j] = a[i * n + j];
            }
            for (int k = 0; k < j; k++) {
                double dot = 0;
                for (int i = 0; i < n; i++) {
                    dot += q[i * n + j] * q[i * n + k];
                }
                for (int i = 0; i < n; i++) {
                    q[i * n + j] -= dot * q[i * n + k];
                }
            }
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += q[i * n + j] * q[i * n + j];
            }
            for (int i = 0; i < n; i++) {
                q[i * n + j] /= Math.sqrt(norm);
            }
        }
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    m[i * n + j] += q[i * n + k] * lambda[k] * q[j * n + k];
                }
            }
        }
        double[] got = FrechetTrace.eigenvalues(m, n);
        Arrays.sort(got);
        assertEquals(0.5, got[0], 1e-12);
        assertEquals(1, got[1], 1e-12);
        assertEquals(3, got[2], 1e-12);
        assertEquals(5, got[3], 1e-12);
    }
}
