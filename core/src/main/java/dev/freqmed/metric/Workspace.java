package dev.freqmed.metric;

/**
 * Scratch arrays of the per-image measures, grown on demand and reused from one image to the
 * next, so that evaluating a dataset does not allocate the large temporaries again for every
 * image. Arrays may be longer than the current image: users pass explicit lengths. A workspace is
 * used by one thread at a time; each slot is owned by one step while that step runs.
 */
final class Workspace {

    private final double[][] doubles = new double[3][];
    private final int[][] ints = new int[3][];
    private final byte[][] bytes = new byte[4][];

    /** Double array {@code slot} (0..2) with at least {@code n} entries, contents undefined. */
    double[] doubles(int slot, int n) {
        double[] a = doubles[slot];
        if (a == null || a.length < n) {
            a = new double[n];
            doubles[slot] = a;
        }
        return a;
    }

    /** Int array {@code slot} (0..2) with at least {@code n} entries, contents undefined. */
    int[] ints(int slot, int n) {
        int[] a = ints[slot];
        if (a == null || a.length < n) {
            a = new int[n];
            ints[slot] = a;
        }
        return a;
    }

    /** Byte array {@code slot} (0..3) with at least {@code n} entries, contents undefined. */
    byte[] bytes(int slot, int n) {
        byte[] a = bytes[slot];
        if (a == null || a.length < n) {
            a = new byte[n];
            bytes[slot] = a;
        }
        return a;
    }
}
