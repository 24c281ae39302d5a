package dev.freqmed.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/** Small helpers for composite blocks. */
public final class Blocks {

    private Blocks() {
    }

    /**
     * Initialises single-input blocks that run one after the other, feeding each the output shape
     * of the previous one.
     *
     * @return the output shape of the last block
     */
    public static Shape initializeInSequence(
            NDManager manager, DataType dataType, Shape input, Block... blocks) {
        Shape s = input;
        for (Block b : blocks) {
            b.initialize(manager, dataType, s);
            s = b.getOutputShapes(new Shape[] {s})[0];
        }
        return s;
    }

    /**
     * Channel count scaled by a width multiplier: rounded to the nearest multiple of 8 and at
     * least 8. A multiplier of 1 leaves multiples of 8 unchanged.
     *
     * @throws IllegalArgumentException if {@code channels} or {@code multiplier} is not positive
     */
    public static int scaleChannels(int channels, double multiplier) {
        if (channels <= 0 || !(multiplier > 0)) {
            throw new IllegalArgumentException("channels and width multiplier must be positive,"
                    + " found " + channels + " and " + multiplier);
        }
        long rounded = Math.round(channels * multiplier / 8.0) * 8;
        return (int) Math.max(8, rounded);
    }
}
