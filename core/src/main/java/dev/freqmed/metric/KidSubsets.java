package dev.freqmed.metric;

/**
 * The spread of KID over its subsets: the per-subset values {@code t_s / m} whose mean is
 * {@link KernelInceptionDistance}'s KID, drawn with the same seeded generator in the same order,
 * so that a report can give KID as mean ± standard deviation (population, ddof 0, as
 * {@code numpy.std}). clean-fid reports only the mean.
 */
final class KidSubsets {

    private KidSubsets() {
    }

    /**
     * Per-subset values.
     *
     * @throws IllegalArgumentException if the dimensions differ or a set has fewer than 2 rows
     */
    static double[] values(FeatureMatrix feats1, FeatureMatrix feats2, int subsets,
            int maxSubsetSize, long seed) {
        int m = Math.min(Math.min(feats1.rows(), feats2.rows()), maxSubsetSize);
        if (m < 2 || feats1.cols() != feats2.cols()) {
            throw new IllegalArgumentException("KID needs two sets of the same dimension with at"
                    + " least 2 samples each, found " + feats1.rows() + "x" + feats1.cols()
                    + " and " + feats2.rows() + "x" + feats2.cols());
        }
        NumpyLegacyRandom rng = new NumpyLegacyRandom(seed);
        double[] out = new double[subsets];
        for (int s = 0; s < subsets; s++) {
            int[] ix = rng.choice(feats2.rows(), m);
            int[] iy = rng.choice(feats1.rows(), m);
            out[s] = KernelInceptionDistance.subsetTerm(feats2, ix, feats1, iy) / m;
        }
        return out;
    }

    /** Population standard deviation. */
    static double std(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / v.length);
    }
}
