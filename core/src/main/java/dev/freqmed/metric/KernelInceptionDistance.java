package dev.freqmed.metric;

/**
 * Kernel distance between two sets of feature vectors (KID when the features come from
 * Inception): the unbiased MMD² with the cubic polynomial kernel {@code k(a, b) = (a.b/d + 1)³},
 * averaged over random subsets and divided by the subset size.
 *
 * <p>Reduction: for each of {@code subsets} draws, {@code m = min(n1, n2, maxSubsetSize)} rows of
 * the second set ({@code x}) and then of the first ({@code y}) are drawn without replacement with
 * numpy's legacy generator seeded by {@code seed}, so the subsets are the reference's;
 * {@code t += (Σ_{i≠j} k(x_i,x_j) + Σ_{i≠j} k(y_i,y_j)) / (m-1) - 2 Σ k(x_i,y_j) / m};
 * {@code KID = t / subsets / m}. With one subset of all samples of equally large sets the value
 * does not depend on the draw. Empty rule: each set needs at least two samples.
 * Reference: GaParmar/clean-fid e88c4d6 {@code kernel_distance} (defaults 100 subsets of at most
 * 1000 samples).
 */
public final class KernelInceptionDistance implements Metric<FeatureMatrix, FeatureMatrix> {

    private final int subsets;
    private final int maxSubsetSize;
    private final long seed;
    private FeatureMatrix first;
    private FeatureMatrix second;

    /**
     * @param subsets       number of subsets (reference default 100)
     * @param maxSubsetSize largest subset size (reference default 1000)
     * @param seed          seed of numpy's legacy generator, 0..2^32-1
     */
    public KernelInceptionDistance(int subsets, int maxSubsetSize, long seed) {
        if (subsets < 1) {
            throw new IllegalArgumentException("KID subset count must be >= 1, found " + subsets);
        }
        if (maxSubsetSize < 2) {
            throw new IllegalArgumentException("KID subset size must be >= 2, found "
                    + maxSubsetSize);
        }
        this.subsets = subsets;
        this.maxSubsetSize = maxSubsetSize;
        if (seed < 0 || seed > 0xffffffffL) {
            throw new IllegalArgumentException("seed must be between 0 and 2^32 - 1, found "
                    + seed);
        }
        this.seed = seed;
    }

    /** Sets the two feature sets: {@code prediction} is feats1, {@code truth} feats2. */
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
        return new MetricResult().put("kid", compute(first, second))
                .put("subsets", subsets).put("subset_size", subsetSize(first, second))
                .put("seed", seed);
    }

    private int subsetSize(FeatureMatrix f1, FeatureMatrix f2) {
        return Math.min(Math.min(f1.rows(), f2.rows()), maxSubsetSize);
    }

    @Override
    public void reset() {
        first = null;
        second = null;
    }

    /**
     * KID of feats1 and feats2.
     *
     * @throws IllegalArgumentException if the dimensions differ or a set has fewer than 2 rows
     */
    public double compute(FeatureMatrix feats1, FeatureMatrix feats2) {
        if (feats1.cols() != feats2.cols()) {
            throw new IllegalArgumentException("feature dimensions differ: " + feats1.cols()
                    + " vs " + feats2.cols());
        }
        int m = subsetSize(feats1, feats2);
        if (m < 2) {
            throw new IllegalArgumentException("each feature set needs at least 2 samples, found "
                    + feats1.rows() + " and " + feats2.rows());
        }
        NumpyLegacyRandom rng = new NumpyLegacyRandom(seed);
        double t = 0;
        for (int s = 0; s < subsets; s++) {
            int[] ix = rng.choice(feats2.rows(), m);
            int[] iy = rng.choice(feats1.rows(), m);
            t += subsetTerm(feats2, ix, feats1, iy);
        }
        return t / subsets / m;
    }

    /** One subset's term, given the rows of feats2 ({@code x}) and of feats1 ({@code y}). */
    static double subsetTerm(FeatureMatrix f2, int[] ix, FeatureMatrix f1, int[] iy) {
        int m = ix.length;
        int d = f1.cols();
        double a = 0;
        double diag = 0;
        double b = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                double kxx = kernel(f2, ix[i], f2, ix[j], d);
                double kyy = kernel(f1, iy[i], f1, iy[j], d);
                double sum = kxx + kyy;
                a += sum;
                if (i == j) {
                    diag += sum;
                }
                b += kernel(f2, ix[i], f1, iy[j], d);
            }
        }
        return (a - diag) / (m - 1) - b * 2 / m;
    }

    private static double kernel(FeatureMatrix p, int i, FeatureMatrix q, int j, int d) {
        double dot = 0;
        int pi = i * d;
        int qj = j * d;
        double[] pd = p.data();
        double[] qd = q.data();
        for (int k = 0; k < d; k++) {
            dot += pd[pi + k] * qd[qj + k];
        }
        return Math.pow(dot / d + 1, 3);
    }

    /** The subset draws of this configuration: {@code [subset][0]} x rows, {@code [1]} y rows. */
    int[][][] draws(int n1, int n2) {
        NumpyLegacyRandom rng = new NumpyLegacyRandom(seed);
        int m = Math.min(Math.min(n1, n2), maxSubsetSize);
        int[][][] out = new int[subsets][2][];
        for (int s = 0; s < subsets; s++) {
            out[s][0] = rng.choice(n2, m);
            out[s][1] = rng.choice(n1, m);
        }
        return out;
    }
}
