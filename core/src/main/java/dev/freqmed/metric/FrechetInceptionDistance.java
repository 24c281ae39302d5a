package dev.freqmed.metric;

/**
 * Fréchet distance between two sets of feature vectors (FID when the features come from
 * Inception): {@code |mu1 - mu2|² + tr(S1) + tr(S2) - 2 tr(sqrt(S1 S2))} with means and N-1
 * covariances of the rows.
 *
 * <p>Reduction: pooled over all samples of each set. Empty rule: each set needs at least two
 * samples. Reference: GaParmar/clean-fid e88c4d6 {@code fid_from_feats}/{@code frechet_distance}.
 * If the square root is not finite, the reference retries with 1e-6 added to both diagonals; so
 * does this class ({@code eps_fallback_used} says whether it happened).
 *
 * <p>DEVIATION: the reference takes the real part of scipy's Schur-method {@code sqrtm(S1 S2)}
 * and its trace. Here the trace is computed as the sum of square roots of the eigenvalues of the
 * symmetric {@code S1^½ S2 S1^½} (which has the eigenvalues of {@code S1 S2}), negative round-off
 * eigenvalues counting as 0 as the real part of their complex roots does. The value is the same
 * quantity; round-off differs (measured on the golden cases: within 1e-8 relative on
 * well-conditioned covariances, within the reference's own round-off on near-singular ones).
 * The trace itself comes from {@link FrechetTrace} (the eigenvalues of an r×r matrix, r the
 * smaller sample count or d), and from the symmetric square root above only when neither
 * covariance is positive definite and both sets have more samples than dimensions.
 */
public final class FrechetInceptionDistance implements Metric<FeatureMatrix, FeatureMatrix> {

    /** The reference's diagonal offset for the fallback. */
    public static final double EPS = 1e-6;

    private FeatureMatrix first;
    private FeatureMatrix second;

    /** Sets the two feature sets (a second call replaces them). */
    @Override
    public void update(FeatureMatrix prediction, FeatureMatrix truth) {
        this.first = prediction;
        this.second = truth;
    }

    @Override
    public MetricResult result() {
        if (first == null) {
            throw new IllegalStateException("no feature sets given");
        }
        return compute(first, second);
    }

    @Override
    public void reset() {
        first = null;
        second = null;
    }

    /**
     * FID of two feature sets of the same dimension.
     *
     * @throws IllegalArgumentException if the dimensions differ or a set has fewer than 2 rows
     */
    public static MetricResult compute(FeatureMatrix f1, FeatureMatrix f2) {
        if (f1.cols() != f2.cols()) {
            throw new IllegalArgumentException("feature dimensions differ: " + f1.cols() + " vs "
                    + f2.cols());
        }
        if (f1.rows() < 2 || f2.rows() < 2) {
            throw new IllegalArgumentException("each feature set needs at least 2 samples, found "
                    + f1.rows() + " and " + f2.rows());
        }
        int d = f1.cols();
        double[] mu1 = mean(f1);
        double[] mu2 = mean(f2);
        double[] s1 = covariance(f1, mu1);
        double[] s2 = covariance(f2, mu2);
        double dd = 0;
        for (int i = 0; i < d; i++) {
            double t = mu1[i] - mu2[i];
            dd += t * t;
        }
        double tr1 = trace(s1, d);
        double tr2 = trace(s2, d);
        double trc = FrechetTrace.traceSqrtProduct(f1, mu1, s1, f2, mu2, s2);
        if (Double.isNaN(trc)) {
            trc = traceSqrtProduct(s1, s2, d);
        }
        boolean fallback = false;
        if (!Double.isFinite(trc)) {
            fallback = true;
            double[] a = s1.clone();
            double[] b = s2.clone();
            for (int i = 0; i < d; i++) {
                a[i * d + i] += EPS;
                b[i * d + i] += EPS;
            }
            trc = traceSqrtProduct(a, b, d);
        }
        double fid = dd + tr1 + tr2 - 2 * trc;
        return new MetricResult().put("fid", fid).putOther("eps_fallback_used", fallback)
                .put("trace_sigma1", tr1).put("trace_sigma2", tr2);
    }

    static double[] mean(FeatureMatrix f) {
        int d = f.cols();
        double[] mu = new double[d];
        for (int r = 0; r < f.rows(); r++) {
            for (int c = 0; c < d; c++) {
                mu[c] += f.get(r, c);
            }
        }
        for (int c = 0; c < d; c++) {
            mu[c] /= f.rows();
        }
        return mu;
    }

    static double[] covariance(FeatureMatrix f, double[] mu) {
        int d = f.cols();
        int n = f.rows();
        double[] x = new double[n * d];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < d; c++) {
                x[r * d + c] = f.get(r, c) - mu[c];
            }
        }
        double[] s = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double acc = 0;
                for (int r = 0; r < n; r++) {
                    acc += x[r * d + i] * x[r * d + j];
                }
                s[i * d + j] = acc / (n - 1);
                s[j * d + i] = s[i * d + j];
            }
        }
        return s;
    }

    private static double trace(double[] m, int d) {
        double t = 0;
        for (int i = 0; i < d; i++) {
            t += m[i * d + i];
        }
        return t;
    }

    /** {@code tr(sqrt(A B))} for symmetric positive semi-definite A and B. */
    static double traceSqrtProduct(double[] a, double[] b, int d) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                return Double.NaN;
            }
        }
        for (double v : b) {
            if (!Double.isFinite(v)) {
                return Double.NaN;
            }
        }
        SymmetricEigen ea = SymmetricEigen.of(a, d);
        // R = V diag(sqrt(max(w, 0))) V^T
        double[] scaled = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                scaled[i * d + k] = ea.vectors[i * d + k] * Math.sqrt(Math.max(ea.values[k], 0));
            }
        }
        double[] root = multiplyTransposed(scaled, ea.vectors, d);
        double[] m = multiply(multiply(root, b, d), root, d);
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double s = 0.5 * (m[i * d + j] + m[j * d + i]);
                m[i * d + j] = s;
                m[j * d + i] = s;
            }
        }
        SymmetricEigen em = SymmetricEigen.of(m, d);
        double t = 0;
        for (double w : em.values) {
            t += Math.sqrt(Math.max(w, 0));
        }
        return t;
    }

    private static double[] multiply(double[] a, double[] b, int d) {
        double[] c = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double aik = a[i * d + k];
                for (int j = 0; j < d; j++) {
                    c[i * d + j] += aik * b[k * d + j];
                }
            }
        }
        return c;
    }

    /** {@code a * b^T}. */
    private static double[] multiplyTransposed(double[] a, double[] b, int d) {
        double[] c = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += a[i * d + k] * b[j * d + k];
                }
                c[i * d + j] = s;
            }
        }
        return c;
    }
}
