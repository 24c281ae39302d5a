package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;
import java.util.Map;

/**
 * An image made ready for the network once per image (never per tile): resized to the working
 * resolution and normalised with statistics of the whole image.
 *
 * @param input          the network input (C, H', W'), normalised, at the working resolution
 * @param original       the image as read (C, H, W), 0..255
 * @param context        anything the task's post-processing needs (e.g. the original size)
 */
public record PreparedImage(FloatImage input, FloatImage original, Map<String, Object> context) {

    /** A prepared image without extra context. */
    public PreparedImage(FloatImage input, FloatImage original) {
        this(input, original, Map.of());
    }
}
