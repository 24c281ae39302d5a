package dev.freqmed.data;

import dev.freqmed.io.RgbImage;
import java.util.Arrays;

/**
 * A host-side image or map of floats in planar layout (C, H, W), independent of the engine so
 * that data loading can run on worker threads.
 *
 * @param channels number of channels C
 * @param height   rows H
 * @param width    columns W
 * @param data     {@code C * H * W} values, channel-major then row-major
 */
public record FloatImage(int channels, int height, int width, float[] data) {

    /** Validates the size against the data length. */
    public FloatImage {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(
                    "image shape must be positive, found " + channels + "x" + height + "x" + width);
        }
        if (data.length != channels * height * width) {
            throw new IllegalArgumentException("expected " + (channels * height * width) + " values for shape "
                    + channels + "x" + height + "x" + width + ", found " + data.length);
        }
    }

    /** A zero-filled image of the given shape. */
    public static FloatImage zeros(int channels, int height, int width) {
        return new FloatImage(channels, height, width, new float[channels * height * width]);
    }

    /**
     * An 8-bit RGB raster as a (3, H, W) image of 0..255 values.
     *
     * @param rgb interleaved RGB
     * @return the planar image
     */
    public static FloatImage fromRgb(RgbImage rgb) {
        int plane = rgb.width() * rgb.height();
        float[] d = new float[3 * plane];
        byte[] src = rgb.data();
        for (int i = 0; i < plane; i++) {
            d[i] = src[3 * i] & 0xff;
            d[plane + i] = src[3 * i + 1] & 0xff;
            d[2 * plane + i] = src[3 * i + 2] & 0xff;
        }
        return new FloatImage(3, rgb.height(), rgb.width(), d);
    }

    /** Value at channel {@code c}, row {@code y}, column {@code x}. */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /** Sets the value at channel {@code c}, row {@code y}, column {@code x}. */
    public void set(int c, int y, int x, float v) {
        data[(c * height + y) * width + x] = v;
    }

    /** A deep copy. */
    public FloatImage copy() {
        return new FloatImage(channels, height, width, Arrays.copyOf(data, data.length));
    }

    /** Whether the spatial size equals that of {@code other}. */
    public boolean sameSize(FloatImage other) {
        return height == other.height && width == other.width;
    }
}
