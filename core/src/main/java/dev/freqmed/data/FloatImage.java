package dev.freqmed.data;

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
