package dev.freqmed.post;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MarkerWatershedTest {

    /**
     * Equal-valued seeds all have age 0, so their order is the heap's own: the flooding must
     * keep scikit-image's binary heap and sift rules, not merely pop in (value, age) order.
     * Landscapes with few distinct values (many ties) against a plain transcription of those
     * rules with element swaps.
     */
    @Test
    void floodsLikeTheSwappingBinaryHeapOnTiedLandscapes() {
        Random r = new Random(11);
        int differing = 0;
        for (int trial = 0; trial < 40; trial++) {
            int h = 20 + r.nextInt(40);
            int w = 20 + r.nextInt(40);
            int n = h * w;
            double[] image = new double[n];
            int[] markers = new int[n];
            int[] mask = new int[n];
            int levels = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                image[i] = r.nextInt(levels);
                mask[i] = r.nextInt(10) < 8 ? 1 : 0;
                markers[i] = r.nextInt(12) == 0 ? 1 + r.nextInt(30) : 0;
            }
            int[] expected = SwappingHeap.flood(image, markers, mask, h, w);
            int[] got = MarkerWatershed.flood(image, markers, mask, h, w);
            assertArrayEquals(expected, got, "trial " + trial + " (" + h + "x" + w + ")");
            // The check must be able to fail: raster-order tie-breaking among seeds (what a
            // heap with other sift rules could give) labels some pixels differently.
            int[] other = SwappingHeap.floodSeedsInRasterOrder(image, markers, mask, h, w);
            for (int i = 0; i < n; i++) {
                differing += other[i] != expected[i] ? 1 : 0;
            }
        }
        assertTrue(differing > 0, "the tie order never mattered: the test cannot tell heaps apart");
    }

    /** scikit-image's heap_general.pxi and the flooding loop of _watershed_cy.pyx, as written. */
    private static final class SwappingHeap {
        private final double[] value;
        private final long[] age;
        private final int[] index;
        private int items;

        private SwappingHeap(int capacity) {
            value = new double[capacity];
            age = new long[capacity];
            index = new int[capacity];
        }

        static int[] flood(double[] image, int[] markers, int[] mask, int h, int w) {
            return run(image, markers, mask, h, w, false);
        }

        /** Seeds popped strictly in raster order among equal values (ages 0, 1, 2, ...). */
        static int[] floodSeedsInRasterOrder(double[] image, int[] markers, int[] mask, int h,
                int w) {
            return run(image, markers, mask, h, w, true);
        }

        private static int[] run(double[] image, int[] markers, int[] mask, int h, int w,
                boolean rasterSeeds) {
            int n = h * w;
            int[] out = new int[n];
            SwappingHeap heap = new SwappingHeap(2 * n + 1);
            long counter = 0;
            for (int i = 0; i < n; i++) {
                if (markers[i] != 0 && mask[i] != 0) {
                    out[i] = markers[i];
                    heap.push(image[i], rasterSeeds ? counter++ : 0, i);
                }
            }
            counter = Math.max(counter, 1);
            int[] dy = {-1, 0, 0, 1};
            int[] dx = {0, -1, 1, 0};
            while (heap.items > 0) {
                int p = heap.pop();
                int y = p / w;
                int x = p % w;
                for (int k = 0; k < 4; k++) {
                    int yy = y + dy[k];
                    int xx = x + dx[k];
                    if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
                        continue;
                    }
                    int q = yy * w + xx;
                    if (mask[q] == 0 || out[q] != 0) {
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
            return value[a] != value[b] ? value[a] < value[b] : age[a] < age[b];
        }

        private void swap(int a, int b) {
            double v = value[a];
            value[a] = value[b];
            value[b] = v;
            long g = age[a];
            age[a] = age[b];
            age[b] = g;
            int t = index[a];
            index[a] = index[b];
            index[b] = t;
        }

        private void push(double v, long a, int idx) {
            int c = items++;
            value[c] = v;
            age[c] = a;
            index[c] = idx;
            while (c > 0) {
                int parent = (c + 1) / 2 - 1;
                if (!smaller(c, parent)) {
                    break;
                }
                swap(parent, c);
                c = parent;
            }
        }

        private int pop() {
            int top = index[0];
            items--;
            swap(0, items);
            int i = 0;
            while (true) {
                int l = 2 * i + 1;
                int r = l + 1;
                int s = i;
                if (l < items && smaller(l, i)) {
                    s = l;
                }
                if (r < items && smaller(r, s)) {
                    s = r;
                }
                if (s == i) {
                    break;
                }
                swap(i, s);
                i = s;
            }
            return top;
        }
    }
}
