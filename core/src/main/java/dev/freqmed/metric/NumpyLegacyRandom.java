package dev.freqmed.metric;

import java.util.Arrays;

/**
 * numpy's legacy global generator ({@code np.random.seed(s)}; MT19937) restricted to what KID
 * needs: {@code choice(n, m, replace=False)}, which numpy implements as the first {@code m}
 * entries of {@code permutation(n)} (a Fisher-Yates shuffle from the end drawing bounded integers
 * by masked rejection), so that KID subsets are the reference's subsets for the same seed.
 *
 * <p>Reference: numpy 1.24 {@code RandomState.seed/permutation/shuffle/choice},
 * {@code random_interval} and {@code mt19937_seed}.
 */
final class NumpyLegacyRandom {

    private static final int N = 624;
    private static final int M = 397;
    private final int[] mt = new int[N];
    private int pos;

    NumpyLegacyRandom(long seed) {
        if (seed < 0 || seed > 0xffffffffL) {
            throw new IllegalArgumentException("seed must be between 0 and 2^32 - 1, found "
                    + seed);
        }
        int s = (int) seed;
        for (int i = 0; i < N; i++) {
            mt[i] = s;
            s = 1812433253 * (s ^ (s >>> 30)) + i + 1;
        }
        pos = N;
    }

    private void generate() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
            int v = mt[(i + M) % N] ^ (y >>> 1);
            if ((y & 1) != 0) {
                v ^= 0x9908b0df;
            }
            mt[i] = v;
        }
        pos = 0;
    }

    /** The next 32-bit output as an unsigned value. */
    long nextUint32() {
        if (pos == N) {
            generate();
        }
        int y = mt[pos++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    /** Uniform integer in [0, max] by masked rejection ({@code max} below 2^32). */
    long interval(long max) {
        if (max == 0) {
            return 0;
        }
        long mask = max;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        long v;
        while ((v = nextUint32() & mask) > max) {
            // rejected draw
        }
        return v;
    }

    /** {@code choice(n, m, replace=False)}: the first {@code m} entries of a permutation of n. */
    int[] choice(int n, int m) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i >= 1; i--) {
            int j = (int) interval(i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return Arrays.copyOf(a, m);
    }
}
