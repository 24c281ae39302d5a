package dev.freqmed.post;

import java.util.Arrays;

/**
 * Binary-image utilities with scipy.ndimage's conventions: 4-connected component labels numbered in
 * raster order of each component's first pixel ({@code scipy.ndimage.label} with its default
 * cross structure), removal of small labelled objects without relabelling
 * ({@code skimage.morphology.remove_small_objects} on a label image) and hole filling
 * ({@code scipy.ndimage.binary_fill_holes}: background not 4-connected to the image border).
 */
public final class Labeling {

    private Labeling() {
    }

    /**
     * Labels the 4-connected components of the non-zero pixels.
     *
     * @return labels 1..n in raster order of first pixel, 0 = background
     */
    public static int[] label4(int[] binary, int height, int width) {
        int[] labels = new int[binary.length];
        int[] stack = new int[binary.length];
        int next = 0;
        for (int start = 0; start < binary.length; start++) {
            if (binary[start] == 0 || labels[start] != 0) {
                continue;
            }
            next++;
            int top = 0;
            stack[top++] = start;
            labels[start] = next;
            while (top > 0) {
                int p = stack[--top];
                int y = p / width;
                int x = p - y * width;
                if (y > 0) {
                    top = visit(binary, labels, stack, top, p - width, next);
                }
                if (x > 0) {
                    top = visit(binary, labels, stack, top, p - 1, next);
                }
                if (x < width - 1) {
                    top = visit(binary, labels, stack, top, p + 1, next);
                }
                if (y < height - 1) {
                    top = visit(binary, labels, stack, top, p + width, next);
                }
            }
        }
        return labels;
    }

    private static int visit(int[] binary, int[] labels, int[] stack, int top, int q, int id) {
        if (binary[q] != 0 && labels[q] == 0) {
            labels[q] = id;
            stack[top++] = q;
        }
        return top;
    }

    /** Zeroes, in place, every label covering fewer than {@code minSize} pixels; returns it. */
    public static int[] removeSmall(int[] labels, int minSize) {
        int max = 0;
        for (int v : labels) {
            if (v < 0) {
                throw new IllegalArgumentException("labels must be non-negative, found " + v);
            }
            max = Math.max(max, v);
        }
        int[] size = new int[max + 1];
        for (int v : labels) {
            size[v]++;
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0 && size[labels[i]] < minSize) {
                labels[i] = 0;
            }
        }
        return labels;
    }

    /** Fills holes: returns 1 where the input is non-zero or the pixel is enclosed background. */
    public static int[] fillHoles(int[] binary, int height, int width) {
        // Background reachable from the border through 4-neighbours stays background: flood it
        // from the border pixels; out = 1 everywhere else.
        int[] out = new int[binary.length];
        Arrays.fill(out, 1);
        int[] stack = new int[binary.length];
        int top = 0;
        for (int x = 0; x < width; x++) {
            top = open(binary, out, stack, top, x);
            top = open(binary, out, stack, top, (height - 1) * width + x);
        }
        for (int y = 1; y < height - 1; y++) {
            top = open(binary, out, stack, top, y * width);
            top = open(binary, out, stack, top, y * width + width - 1);
        }
        while (top > 0) {
            int p = stack[--top];
            int y = p / width;
            int x = p - y * width;
            if (y > 0) {
                top = open(binary, out, stack, top, p - width);
            }
            if (x > 0) {
                top = open(binary, out, stack, top, p - 1);
            }
            if (x < width - 1) {
                top = open(binary, out, stack, top, p + 1);
            }
            if (y < height - 1) {
                top = open(binary, out, stack, top, p + width);
            }
        }
        return out;
    }

    /** Marks background pixel q as reachable from the border (out = 0) and stacks it. */
    private static int open(int[] binary, int[] out, int[] stack, int top, int q) {
        if (binary[q] == 0 && out[q] != 0) {
            out[q] = 0;
            stack[top++] = q;
        }
        return top;
    }
}
