package dev.freqmed.metric;

import dev.freqmed.io.GrayImage;

/**
 * An instance-labelled image: 0 is background, any other value an instance id (ids are arbitrary
 * and need not be contiguous).
 *
 * @param width  columns
 * @param height rows
 * @param ids    {@code height * width} row-major ids, non-negative
 */
public record InstanceMap(int width, int height, int[] ids) {

    /** Validates size and ids. */
    public InstanceMap {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("instance map size must be positive, found "
                    + width + "x" + height);
        }
        if (ids.length != width * height) {
            throw new IllegalArgumentException("expected " + width * height + " ids for "
                    + width + "x" + height + ", found " + ids.length);
        }
    }

    /** Wraps a 16-bit (or 8-bit) grey image whose samples are instance ids. */
    public static InstanceMap of(GrayImage image) {
        return new InstanceMap(image.width(), image.height(), image.data());
    }
}
