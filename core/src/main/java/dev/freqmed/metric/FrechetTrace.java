package dev.freqmed.metric;

/**
 * {@code tr sqrt(S1 S2)} for FID without a d×d eigen-decomposition with eigenvectors: for any
 * factor {@code S1 = A Aᵀ} (A of d×r), the non-zero eigenvalues of {@code S1 S2} are those of the
 * symmetric r×r matrix {@code K = Aᵀ S2 A}, so the trace is {@code Σ sqrt(max(λ(K), 0))}. A is the
 * centred samples {@code X1ᵀ/√(n1−1)} when the set has no more samples than dimensions (r = n1;
 * then, when the other set is as small, {@code K = G Gᵀ} with {@code G = Aᵀ X2ᵀ/√(n2−1)}), and
 * otherwise the Cholesky factor of {@code S1} (r = d). The set with fewer samples plays S1 (the
 * eigenvalues of {@code S1 S2} and {@code S2 S1} are the same). The eigenvalues of K come from a
 * Householder reduction to tridiagonal form and the implicit QL iteration (as EISPACK's
 * {@code tred2}/{@code tql1}), O(r³) without eigenvectors.
 *
 * <p>This is the same quantity as clean-fid's {@code trace(sqrtm(S1 S2).real)}; it makes FID of
 * 2048-d Inception features take seconds where a Jacobi decomposition of two 2048² matrices
 * takes many minutes.
 */
final class FrechetTrace {

    private FrechetTrace() {
    }

    /**
     * {@code tr sqrt(S1 S2)}, or NaN when neither set is small and {@code S1} (and {@code S2})
     * is not positive definite (the caller then uses its own method).
     *
     * @param s1 covariance of f1 (d×d, N−1), s2 of f2
     */
    static double traceSqrtProduct(FeatureMatrix f1, double[] mu1, double[] s1,
            FeatureMatrix f2, double[] mu2, double[] s2) {
        if (f2.rows() < f1.rows()) {
            return traceSqrtProduct(f2, mu2, s2, f1, mu1, s1);
        }
        int d = f1.cols();
        double[] k;
        int r;
        if (f1.rows() <= d) {
            r = f1.rows();
            double[] a = centred(f1, mu1);
            if (f2.rows() <= d) {
                int n2 = f2.rows();
                double[] b = centred(f2, mu2);
                double[] g = new double[r * n2];
                for (int i = 0; i < r; i++) {
                    for (int j = 0; j < n2; j++) {
                        double s = 0;
                        for (int c = 0; c < d; c++) {
                            s += a[i * d + c] * b[j * d + c];
                        }
                        g[i * n2 + j] = s;
                    }
                }
                k = gram(g, r, n2);
            } else {
                k = sandwich(a, r, s2, d);
            }
        } else {
            double[] l = cholesky(s1, d);
            if (l == null) {
                l = cholesky(s2, d);
                if (l == null) {
                    return Double.NaN;
                }
                s2 = s1;
            }
            // rows of Lᵀ are the columns of L
            double[] lt = new double[d * d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    lt[i * d + j] = l[j * d + i];
                }
            }
            r = d;
            k = sandwich(lt, d, s2, d);
        }
        double t = 0;
        for (double w : eigenvalues(k, r)) {
            t += Math.sqrt(Math.max(w, 0));
        }
        return t;
    }

    /** Rows minus the mean, divided by √(n − 1): the rows of Aᵀ. */
    private static double[] centred(FeatureMatrix f, double[] mu) {
        int n = f.rows();
        int d = f.cols();
        double[] x = new double[n * d];
        double scale = 1 / Math.sqrt(n - 1.0);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < d; c++) {
                x[i * d + c] = (f.get(i, c) - mu[c]) * scale;
            }
        }
        return x;
    }

    /** {@code G Gᵀ} of an r×m matrix. */
    private static double[] gram(double[] g, int r, int m) {
        double[] k = new double[r * r];
        for (int i = 0; i < r; i++) {
            for (int j = i; j < r; j++) {
                double s = 0;
                for (int c = 0; c < m; c++) {
                    s += g[i * m + c] * g[j * m + c];
                }
                k[i * r + j] = s;
                k[j * r + i] = s;
            }
        }
        return k;
    }

    /** {@code At S Atᵀ} for At of r×d (the rows of Aᵀ) and symmetric S of d×d. */
    private static double[] sandwich(double[] at, int r, double[] s, int d) {
        double[] as = new double[r * d];
        for (int i = 0; i < r; i++) {
            for (int c = 0; c < d; c++) {
                double v = at[i * d + c];
                if (v == 0) {
                    continue;
                }
                for (int j = 0; j < d; j++) {
                    as[i * d + j] += v * s[c * d + j];
                }
            }
        }
        double[] k = new double[r * r];
        for (int i = 0; i < r; i++) {
            for (int j = i; j < r; j++) {
                double v = 0;
                for (int c = 0; c < d; c++) {
                    v += as[i * d + c] * at[j * d + c];
                }
                k[i * r + j] = v;
                k[j * r + i] = v;
            }
        }
        return k;
    }

    /** Lower Cholesky factor, or null when the matrix is not positive definite. */
    static double[] cholesky(double[] s, int d) {
        double[] l = new double[d * d];
        for (int j = 0; j < d; j++) {
            double sum = s[j * d + j];
            for (int k = 0; k < j; k++) {
                sum -= l[j * d + k] * l[j * d + k];
            }
            if (!(sum > 0)) {
                return null;
            }
            double ljj = Math.sqrt(sum);
            l[j * d + j] = ljj;
            for (int i = j + 1; i < d; i++) {
                double v = s[i * d + j];
                for (int k = 0; k < j; k++) {
                    v -= l[i * d + k] * l[j * d + k];
                }
                l[i * d + j] = v / ljj;
            }
        }
        return l;
    }

    /**
     * Eigenvalues of a symmetric n×n matrix (row-major; only the lower triangle is read), in no
     * particular order: Householder tridiagonalisation, then implicit QL with Wilkinson shifts.
     *
     * @throws ArithmeticException if QL does not converge in 60 iterations for an eigenvalue
     */
    static double[] eigenvalues(double[] matrix, int n) {
        double[] a = matrix.clone();
        double[] dg = new double[n];
        double[] e = new double[n];
        for (int i = n - 1; i > 0; i--) {
            int l = i - 1;
            double h = 0;
            if (l > 0) {
                double scale = 0;
                for (int k = 0; k <= l; k++) {
                    scale += Math.abs(a[i * n + k]);
                }
                if (scale == 0) {
                    e[i] = a[i * n + l];
                } else {
                    for (int k = 0; k <= l; k++) {
                        a[i * n + k] /= scale;
                        h += a[i * n + k] * a[i * n + k];
                    }
                    double f = a[i * n + l];
                    double g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
                    e[i] = scale * g;
                    h -= f * g;
                    a[i * n + l] = f - g;
                    f = 0;
                    for (int j = 0; j <= l; j++) {
                        g = 0;
                        for (int k = 0; k <= j; k++) {
                            g += a[j * n + k] * a[i * n + k];
                        }
                        for (int k = j + 1; k <= l; k++) {
                            g += a[k * n + j] * a[i * n + k];
                        }
                        e[j] = g / h;
                        f += e[j] * a[i * n + j];
                    }
                    double hh = f / (h + h);
                    for (int j = 0; j <= l; j++) {
                        f = a[i * n + j];
                        g = e[j] - hh * f;
                        e[j] = g;
                        for (int k = 0; k <= j; k++) {
                            a[j * n + k] -= f * e[k] + g * a[i * n + k];
                        }
                    }
                }
            } else {
                e[i] = a[i * n + l];
            }
            dg[i] = h;
        }
        for (int i = 0; i < n; i++) {
            dg[i] = a[i * n + i];
        }
        for (int i = 1; i < n; i++) {
            e[i - 1] = e[i];
        }
        if (n > 0) {
            e[n - 1] = 0;
        }
        double eps = Math.ulp(1.0);
        for (int l = 0; l < n; l++) {
            int iter = 0;
            int m;
            do {
                for (m = l; m < n - 1; m++) {
                    double dd = Math.abs(dg[m]) + Math.abs(dg[m + 1]);
                    if (Math.abs(e[m]) <= eps * dd) {
                        break;
                    }
                }
                if (m != l) {
                    if (iter++ == 60) {
                        throw new ArithmeticException("eigenvalues: QL did not converge");
                    }
                    double g = (dg[l + 1] - dg[l]) / (2.0 * e[l]);
                    double r = Math.hypot(g, 1.0);
                    g = dg[m] - dg[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
                    double s = 1;
                    double c = 1;
                    double p = 0;
                    int i;
                    boolean underflow = false;
                    for (i = m - 1; i >= l; i--) {
                        double f = s * e[i];
                        double b = c * e[i];
                        r = Math.hypot(f, g);
                        e[i + 1] = r;
                        if (r == 0) {
                            dg[i + 1] -= p;
                            e[m] = 0;
                            underflow = true;
                            break;
                        }
                        s = f / r;
                        c = g / r;
                        g = dg[i + 1] - p;
                        r = (dg[i] - g) * s + 2.0 * c * b;
                        p = s * r;
                        dg[i + 1] = g + p;
                        g = c * r - b;
                    }
                    if (underflow) {
                        continue;
                    }
                    dg[l] -= p;
                    e[l] = g;
                    e[m] = 0;
                }
            } while (m != l);
        }
        return dg;
    }
}
