package dev.freqmed.post;

/**
 * Marker-controlled watershed by priority flooding, equal to scikit-image's
 * {@code segmentation.watershed(image, markers, connectivity=1, mask=mask)} (compactness 0, no
 * watershed line): seeds are pushed in raster order with age 0; a pixel is labelled when it is
 * pushed, from the label of the pixel being expanded; neighbours are visited up, left, right, down;
 * the queue is a binary min-heap ordered by (value, age) with the same sift rules, so ties are
 * broken the same way and the labels agree pixel for pixel. Markers outside the mask are ignored;
 * masked pixels no marker reaches stay 0.
 *
 * <p>Reference: scikit-image 0.19 {@code segmentation/_watershed.py} and
 * {@code _watershed_cy.pyx}, {@code heap_general.pxi}.
 */
public final class MarkerWatershed {

    private double[] value;
    private int[] age;
    private int[] index;
    private int items;

    private MarkerWatershed(int capacity) {
        value = new double[capacity];
        age = new int[capacity];
        index = new int[capacity];
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

    private boolean smaller(int a, int b) {
        if (value[a] != value[b]) {
            return value[a] < value[b];
        }
        return age[a] < age[b];
    }

    private void swap(int a, int b) {
        double v = value[a];
        value[a] = value[b];
        value[b] = v;
        int t = age[a];
        age[a] = age[b];
        age[b] = t;
        t = index[a];
        index[a] = index[b];
        index[b] = t;
    }

    private void push(double v, int a, int idx) {
        if (items == value.length) {
            int cap = value.length * 2;
            value = java.util.Arrays.copyOf(value, cap);
            age = java.util.Arrays.copyOf(age, cap);
            index = java.util.Arrays.copyOf(index, cap);
        }
        int child = items++;
        value[child] = v;
        age[child] = a;
        index[child] = idx;
        while (child > 0) {
            int parent = (child + 1) / 2 - 1;
            if (!smaller(child, parent)) {
                break;
            }
            swap(parent, child);
            child = parent;
        }
    }

    private int popIndex() {
        int top = index[0];
        items--;
        if (items == 0) {
            return top;
        }
        swap(0, items);
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int smallest = i;
            if (l >= items) {
                break;
            }
            if (smaller(l, i)) {
                smallest = l;
            }
            if (r < items && smaller(r, smallest)) {
                smallest = r;
            }
            if (smallest == i) {
                break;
            }
            swap(i, smallest);
            i = smallest;
        }
        return top;
    }
}
