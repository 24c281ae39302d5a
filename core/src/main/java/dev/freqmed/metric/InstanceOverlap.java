package dev.freqmed.metric;

import java.util.Arrays;

/**
 * The overlap table of two instance maps after HoVer-Net's {@code remap_label(by_size=False)}:
 * distinct non-zero ids, sorted ascending, become 1..K on each side; the table holds the area of
 * every instance and the intersection of every overlapping (true, predicted) pair, pairs sorted by
 * true index then predicted index. Built in one pass over the pixels.
 */
final class InstanceOverlap {

    final int nTrue;
    final int nPred;
    final long[] trueArea;
    final long[] predArea;
    /** Pairs with a non-empty intersection, 0-based indices, sorted by (true, pred). */
    final int[] pairTrue;
    final int[] pairPred;
    final long[] pairInter;
    final long foregroundInter;

    private InstanceOverlap(int nTrue, int nPred, long[] trueArea, long[] predArea,
                            int[] pairTrue, int[] pairPred, long[] pairInter, long fgInter) {
        this.nTrue = nTrue;
        this.nPred = nPred;
        this.trueArea = trueArea;
        this.predArea = predArea;
        this.pairTrue = pairTrue;
        this.pairPred = pairPred;
        this.pairInter = pairInter;
        this.foregroundInter = fgInter;
    }

    static InstanceOverlap of(InstanceMap truth, InstanceMap pred) {
        if (truth.width() != pred.width() || truth.height() != pred.height()) {
            throw new IllegalArgumentException("prediction is " + pred.width() + "x"
                    + pred.height() + " but ground truth is " + truth.width() + "x"
                    + truth.height());
        }
        int[] t = remap(truth.ids());
        int[] p = remap(pred.ids());
        int nt = t[t.length - 1];
        int np = p[p.length - 1];
        long[] ta = new long[nt];
        long[] pa = new long[np];
        LongCounter pairs = new LongCounter(1024);
        long fgInter = 0;
        int n = truth.ids().length;
        for (int i = 0; i < n; i++) {
            int a = t[i];
            int b = p[i];
            if (a > 0) {
                ta[a - 1]++;
            }
            if (b > 0) {
                pa[b - 1]++;
            }
            if (a > 0 && b > 0) {
                fgInter++;
                pairs.increment((long) (a - 1) * (np + 1L) + (b - 1));
            }
        }
        long[] keys = pairs.keys();
        Arrays.sort(keys);
        int[] pt = new int[keys.length];
        int[] pp = new int[keys.length];
        long[] pi = new long[keys.length];
        for (int k = 0; k < keys.length; k++) {
            pt[k] = (int) (keys[k] / (np + 1L));
            pp[k] = (int) (keys[k] % (np + 1L));
            pi[k] = pairs.get(keys[k]);
        }
        return new InstanceOverlap(nt, np, ta, pa, pt, pp, pi, fgInter);
    }

    /**
     * Relabels ids to 1..K by ascending id; the returned array has one extra last entry holding K.
     */
    static int[] remap(int[] ids) {
        int max = 0;
        for (int v : ids) {
            if (v < 0) {
                throw new IllegalArgumentException("instance ids must be non-negative, found " + v);
            }
            max = Math.max(max, v);
        }
        int[] out = new int[ids.length + 1];
        if (max <= (1 << 24)) {
            int[] lut = new int[max + 1];
            for (int v : ids) {
                lut[v] = 1;
            }
            int k = 0;
            for (int v = 1; v <= max; v++) {
                if (lut[v] != 0) {
                    lut[v] = ++k;
                }
            }
            for (int i = 0; i < ids.length; i++) {
                out[i] = ids[i] == 0 ? 0 : lut[ids[i]];
            }
            out[ids.length] = k;
        } else {
            int[] sorted = Arrays.stream(ids).filter(v -> v != 0).distinct().sorted().toArray();
            for (int i = 0; i < ids.length; i++) {
                out[i] = ids[i] == 0 ? 0 : Arrays.binarySearch(sorted, ids[i]) + 1;
            }
            out[ids.length] = sorted.length;
        }
        return out;
    }

    /** Union of pair {@code k}. */
    long union(int k) {
        return trueArea[pairTrue[k]] + predArea[pairPred[k]] - pairInter[k];
    }

    /** A small open-addressing map from non-negative long keys to counts. */
    private static final class LongCounter {
        private long[] keys;
        private long[] counts;
        private int size;

        LongCounter(int capacity) {
            keys = new long[capacity];
            counts = new long[capacity];
            Arrays.fill(keys, -1);
        }

        void increment(long key) {
            int mask = keys.length - 1;
            int h = (int) (mix(key) & mask);
            while (true) {
                if (keys[h] == key) {
                    counts[h]++;
                    return;
                }
                if (keys[h] == -1) {
                    keys[h] = key;
                    counts[h] = 1;
                    if (++size * 2 > keys.length) {
                        grow();
                    }
                    return;
                }
                h = (h + 1) & mask;
            }
        }

        long get(long key) {
            int mask = keys.length - 1;
            int h = (int) (mix(key) & mask);
            while (keys[h] != key) {
                h = (h + 1) & mask;
            }
            return counts[h];
        }

        long[] keys() {
            long[] out = new long[size];
            int j = 0;
            for (long k : keys) {
                if (k != -1) {
                    out[j++] = k;
                }
            }
            return out;
        }

        private void grow() {
            long[] ok = keys;
            long[] oc = counts;
            keys = new long[ok.length * 2];
            counts = new long[ok.length * 2];
            Arrays.fill(keys, -1);
            int mask = keys.length - 1;
            for (int i = 0; i < ok.length; i++) {
                if (ok[i] != -1) {
                    int h = (int) (mix(ok[i]) & mask);
                    while (keys[h] != -1) {
                        h = (h + 1) & mask;
                    }
                    keys[h] = ok[i];
                    counts[h] = oc[i];
                }
            }
        }

        private static long mix(long k) {
            k ^= k >>> 33;
            k *= 0xff51afd7ed558ccdL;
            k ^= k >>> 33;
            return k;
        }
    }
}
