package dev.freqmed.metric.image;

import java.util.Arrays;

/**
 * Two-dimensional thinning to a one-pixel-wide skeleton, giving the same pixels as
 * {@code skimage.morphology.skeletonize} of scikit-image 0.19 for 2-D images: repeated pairs of
 * parallel sub-iterations, each deleting the foreground pixels whose 8-neighbourhood code is
 * marked removable for that sub-iteration, until nothing changes. Pixels outside the image count
 * as background.
 *
 * <p>The removability of each of the 256 neighbourhood codes is held as two 256-bit sets. The
 * neighbourhood code adds 1 (north-west), 2 (north), 4 (north-east), 8 (east), 16 (south-east),
 * 32 (south), 64 (south-west) and 128 (west) for each foreground neighbour. The sets were read off
 * scikit-image 0.19.3 {@code _fast_skeletonize}'s removal table, which is not the textbook
 * Zhang-Suen rule (it differs on 25 codes), so it is stored as data rather than derived.
 */
public final class Skeleton {

    /** Codes removable in the first sub-iteration (bit {@code code % 64} of word code / 64). */
    private static final long[] FIRST = {
        0x10000100d000dcc8L, 0x1101000000000000L, 0x00000003800080ccL, 0x000b008a000080ceL,
    };
    /** Codes removable in the second sub-iteration. */
    private static final long[] SECOND = {
        0xd1000100d5008480L, 0x5101110100000000L, 0x0001000100000084L, 0x130300030000008bL,
    };

    private Skeleton() {
    }

    /**
     * Thins a binary image.
     *
     * @param mask   {@code height * width} row-major flags, {@code true} = foreground
     * @param width  columns
     * @param height rows
     * @return a new array with the skeleton pixels set
     * @throws IllegalArgumentException if the array length does not match the size
     */
    public static boolean[] skeletonize(boolean[] mask, int width, int height) {
        if (mask.length != width * height) {
            throw new IllegalArgumentException("expected " + width * height + " flags for "
                    + width + "x" + height + ", found " + mask.length);
        }
        byte[] bytes = new byte[width * height];
        skeletonizeInto(mask, width, height, new byte[workSize(width, height)], bytes);
        boolean[] out = new boolean[width * height];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes[i] != 0;
        }
        return out;
    }

    /** Length of the working array {@link #skeletonizeInto} needs for an image size. */
    public static int workSize(int width, int height) {
        return 2 * (width + 2) * (height + 2);
    }

    /**
     * Thins a binary image into caller-supplied arrays (which may be reused between images and
     * be longer than needed).
     *
     * @param mask   {@code height * width} row-major flags, {@code true} = foreground
     * @param work   working array of at least {@link #workSize} entries
     * @param out    receives the skeleton as row-major 0/1 bytes in its first
     *               {@code width * height} entries
     * @throws IllegalArgumentException if an array is too short for the size
     */
    public static void skeletonizeInto(boolean[] mask, int width, int height, byte[] work,
                                       byte[] out) {
        if (mask.length != width * height || work.length < workSize(width, height)
                || out.length < width * height) {
            throw new IllegalArgumentException("expected " + width * height + " flags, a working "
                    + "array of at least " + workSize(width, height) + " and an output of at least "
                    + width * height + " bytes for " + width + "x" + height + ", found "
                    + mask.length + ", " + work.length + " and " + out.length);
        }
        int pw = width + 2;
        int ph = height + 2;
        int padded = pw * ph;
        // work[0 .. padded-1]: the padded image; work[padded ..]: whether a pixel is listed.
        byte[] cur = work;
        Arrays.fill(work, 0, 2 * padded, (byte) 0);
        for (int y = 0; y < height; y++) {
            int src = y * width;
            int dst = (y + 1) * pw + 1;
            for (int x = 0; x < width; x++) {
                cur[dst + x] = (byte) (mask[src + x] ? 1 : 0);
            }
        }
        // Only foreground pixels with a background neighbour can be removed (the all-foreground
        // code 255 is never removable), so each sub-iteration examines the current border list;
        // removals are applied after the whole sub-iteration, as in the parallel reference.
        int[] offsets = {-pw - 1, -pw, -pw + 1, 1, pw + 1, pw, pw - 1, -1};
        int[] list = new int[1024];
        int size = 0;
        for (int y = 1; y <= height; y++) {
            for (int x = 1; x <= width; x++) {
                int p = y * pw + x;
                if (cur[p] != 0 && isBorder(cur, p, offsets)) {
                    if (size == list.length) {
                        list = Arrays.copyOf(list, size * 2);
                    }
                    list[size++] = p;
                    cur[padded + p] = 1;
                }
            }
        }
        int[] removedList = new int[1024];
        boolean removed = true;
        while (removed) {
            removed = false;
            for (int pass = 0; pass < 2; pass++) {
                long[] table = pass == 0 ? FIRST : SECOND;
                int nRemoved = 0;
                for (int k = 0; k < size; k++) {
                    int p = list[k];
                    int code = code(cur, p, pw);
                    if ((table[code >>> 6] >>> (code & 63) & 1L) != 0) {
                        if (nRemoved == removedList.length) {
                            removedList = Arrays.copyOf(removedList, nRemoved * 2);
                        }
                        removedList[nRemoved++] = p;
                    }
                }
                if (nRemoved == 0) {
                    continue;
                }
                removed = true;
                for (int k = 0; k < nRemoved; k++) {
                    cur[removedList[k]] = 0;
                }
                // Drop removed pixels from the list and add their foreground neighbours.
                int w = 0;
                for (int k = 0; k < size; k++) {
                    if (cur[list[k]] != 0) {
                        list[w++] = list[k];
                    } else {
                        cur[padded + list[k]] = 0;
                    }
                }
                size = w;
                for (int k = 0; k < nRemoved; k++) {
                    int p = removedList[k];
                    for (int o : offsets) {
                        int q = p + o;
                        if (cur[q] != 0 && cur[padded + q] == 0) {
                            if (size == list.length) {
                                list = Arrays.copyOf(list, size * 2);
                            }
                            list[size++] = q;
                            cur[padded + q] = 1;
                        }
                    }
                }
            }
        }
        for (int y = 0; y < height; y++) {
            System.arraycopy(cur, (y + 1) * pw + 1, out, y * width, width);
        }
    }

    private static int code(byte[] c, int p, int pw) {
        return c[p - pw - 1] | c[p - pw] << 1 | c[p - pw + 1] << 2 | c[p + 1] << 3
                | c[p + pw + 1] << 4 | c[p + pw] << 5 | c[p + pw - 1] << 6 | c[p - 1] << 7;
    }

    private static boolean isBorder(byte[] c, int p, int[] offsets) {
        for (int o : offsets) {
            if (c[p + o] == 0) {
                return true;
            }
        }
        return false;
    }
}
