package dev.freqmed.spark;

import dev.freqmed.infer.SlidingWindowInferer;
import java.io.Serializable;

/**
 * What a batch run does with each image; the same knobs as {@code freqmed predict}.
 *
 * @param model     checkpoint folder (or run folder holding {@code model/}), readable on every executor
 * @param output    output folder, shared by every executor (a local folder in {@code local[*]},
 *                  a shared file system on a cluster)
 * @param tile      window side, 0 = one pass over the whole image
 * @param overlap   window overlap in pixels
 * @param tileBatch windows per forward pass
 * @param blend     how overlapping windows are blended
 * @param threshold probability threshold of masks
 * @param size      network input side overriding the model's (0 = the model's)
 * @param resume    keep images whose outputs are complete instead of predicting them again
 */
public record BatchOptions(
        String model,
        String output,
        int tile,
        int overlap,
        int tileBatch,
        SlidingWindowInferer.Blending blend,
        double threshold,
        int size,
        boolean resume) implements Serializable {

    /** Options with {@code predict}'s defaults for a model and an output folder. */
    public static BatchOptions of(String model, String output) {
        return new BatchOptions(model, output, 0, 32, 1, SlidingWindowInferer.Blending.LINEAR, 0.5, 0, false);
    }

    /** The same options with {@code resume} set. */
    public BatchOptions withResume(boolean value) {
        return new BatchOptions(model, output, tile, overlap, tileBatch, blend, threshold, size, value);
    }

    /** The same options with another window layout. */
    public BatchOptions withTiles(int newTile, int newOverlap, int newTileBatch,
            SlidingWindowInferer.Blending newBlend) {
        return new BatchOptions(model, output, newTile, newOverlap, newTileBatch, newBlend, threshold, size, resume);
    }

    /** The same options with another threshold and input side. */
    public BatchOptions withThreshold(double newThreshold, int newSize) {
        return new BatchOptions(model, output, tile, overlap, tileBatch, blend, newThreshold, newSize, resume);
    }
}
