package dev.freqmed.post;

/**
 * Marker-controlled watershed by priority flooding, equal to scikit-image's
 * {@code segmentation.watershed(image, markers, connectivity=1, mask=mask)} (compactness 0, no
 * watershed line): seeds are pushed in raster order with age 0; a pixel is labelled when it is
 * pushed, from the label of the pixel being expanded; neighbours are visited up, left, right, down;
 * the queue is a binary min-heap ordered by (value, age) with the same sift rules, so ties are
 * broken the same way and the labels agree pixel for pixel (seeds all have age 0, so the order of
 * equal-valued seeds is the heap's own: the heap must be the same, not merely correct). The sifts
 * move a hole instead of swapping, which leaves every element where the swaps would, and age
 * and index share one {@code long}. Markers outside the mask are ignored;
 * masked pixels no marker reaches stay 0.
 *
 * <p>Reference: scikit-image 0.19 {@code segmentation/_watershed.py} and
 * {@code _watershed_cy.pyx}, {@code heap_general.pxi}.
 */
public final class MarkerWatershed {

    private double[] value;
    /** {@code age << 32 | index}. */
    private long[] key;
    private int items;

    private MarkerWatershed(int capacity) {
        value = new double[capacity];
        key = new long[capacity];
    }

    /**
     * Floods {@code image} from the markers inside {@code mask}.
     *
     * @param image   {@code height * width} values, lower floods first
     * @param markers seed labels, 0 = none
     * @param mask    non-zero where flooding may go; null = everywhere
     * @return labels, 0 outside the mask or where no marker reaches
     */
    public static int[] flood(double[] image, int[] markers, int[] mask, int height, int width) {
        int n = height * width;
        if (image.length != n || markers.length != n || (mask != null && mask.length != n)) {
            throw new IllegalArgumentException("watershed inputs must all hold " + n
                    + " values for " + height + "x" + width);
        }
        int[] out = new int[n];
        int seeds = 0;
        for (int i = 0; i < n; i++) {
            if (markers[i] != 0 && (mask == null || mask[i] != 0)) {
                out[i] = markers[i];
                seeds++;
            }
        }
        MarkerWatershed heap = new MarkerWatershed(Math.max(16, seeds + 16));
        for (int i = 0; i < n; i++) {
            if (out[i] != 0) {
                heap.push(image[i], 0, i);
            }
        }
        int counter = 1;
        while (heap.items > 0) {
            int p = heap.popIndex();
            int y = p / width;
            int x = p - y * width;
            for (int k = 0; k < 4; k++) {
                int q;
                if (k == 0) {
                    q = y > 0 ? p - width : -1;
                } else if (k == 1) {
                    q = x > 0 ? p - 1 : -1;
                } else if (k == 2) {
                    q = x < width - 1 ? p + 1 : -1;
                } else {
                    q = y < height - 1 ? p + width : -1;
                }
                if (q < 0 || (mask != null && mask[q] == 0) || out[q] != 0) {
                    continue;
                }
                counter++;
                out[q] = out[p];
                heap.push(image[q], counter, q);
            }
        }
        return out;
    }

    /**
     * Whether (v1, age of k1) comes before (v2, age of k2): scikit-image's rule, value first,
     * then age; the index in the low half of a key never decides.
     */
    private static boolean before(double v1, long k1, double v2, long k2) {
        if (v1 != v2) {
            return v1 < v2;
        }
        return (k1 >>> 32) < (k2 >>> 32);
    }

    private void push(double v, int a, int idx) {
        if (items == value.length) {
            int cap = value.length * 2;
            value = java.util.Arrays.copyOf(value, cap);
            key = java.util.Arrays.copyOf(key, cap);
        }
        long k = ((long) a << 32) | (idx & 0xffffffffL);
        int child = items++;
        while (child > 0) {
            int parent = (child + 1) / 2 - 1;
            if (!before(v, k, value[parent], key[parent])) {
                break;
            }
            value[child] = value[parent];
            key[child] = key[parent];
            child = parent;
        }
        value[child] = v;
        key[child] = k;
    }

    private int popIndex() {
        int top = (int) key[0];
        items--;
        if (items == 0) {
            return top;
        }
        double v = value[items];
        long k = key[items];
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= items) {
                break;
            }
            int r = l + 1;
            // The swap version compares the left child with the moving element, then the right
            // child with the smaller of the two.
            boolean leftFirst = before(value[l], key[l], v, k);
            int smallest = leftFirst ? l : -1;
            if (r < items && (leftFirst ? before(value[r], key[r], value[l], key[l])
                    : before(value[r], key[r], v, k))) {
                smallest = r;
            }
            if (smallest < 0) {
                break;
            }
            value[i] = value[smallest];
            key[i] = key[smallest];
            i = smallest;
        }
        value[i] = v;
        key[i] = k;
        return top;
    }
}
