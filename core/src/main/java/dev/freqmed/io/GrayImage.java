package dev.freqmed.io;

/**
 * A single-channel raster of integer samples, row-major.
 *
 * @param width    columns
 * @param height   rows
 * @param bitDepth 8 or 16
 * @param data     {@code height * width} sample values, row-major (0..255 or 0..65535)
 */
public record GrayImage(int width, int height, int bitDepth, int[] data) {

    /** Validates the data length against the size. */
    public GrayImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, found " + width + "x" + height);
        }
        if (data.length != width * height) {
            throw new IllegalArgumentException(
                    "expected " + (width * height) + " samples for " + width + "x" + height + ", found " + data.length);
        }
    }

    /** Sample at row {@code y}, column {@code x}. */
    public int get(int y, int x) {
        return data[y * width + x];
    }
}
