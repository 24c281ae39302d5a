package dev.freqmed.io;

/**
 * An 8-bit RGB raster, interleaved row-major (HWC), values 0..255.
 *
 * @param width  columns
 * @param height rows
 * @param data   {@code height * width * 3} samples
 */
public record RgbImage(int width, int height, byte[] data) {

    /** Validates the data length against the size. */
    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, found " + width + "x" + height);
        }
        if (data.length != width * height * 3) {
            throw new IllegalArgumentException(
                    "expected " + (width * height * 3) + " bytes for " + width + "x" + height + "x3, found "
                            + data.length);
        }
    }

    /** Channel {@code c} (0 red, 1 green, 2 blue) at row {@code y}, column {@code x}, 0..255. */
    public int get(int y, int x, int c) {
        return data[(y * width + x) * 3 + c] & 0xff;
    }
}
