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
 * @param region       instance models: an image wider or taller than this is predicted region by
 *                     region, read from the file one region at a time (0 = always whole)
 * @param regionMargin context read around each region's core, in pixels
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
        boolean resume,
        int region,
        int regionMargin) implements Serializable {

    /** Validates the region settings. */
    public BatchOptions {
        if (region < 0 || regionMargin < 0) {
            throw new IllegalArgumentException("--region and --region-margin must be 0 or more, found " + region
                    + " and " + regionMargin);
        }
    }

    /** Options with {@code predict}'s defaults for a model and an output folder. */
    public static BatchOptions of(String model, String output) {
        return new BatchOptions(model, output, 0, 32, 1, SlidingWindowInferer.Blending.LINEAR, 0.5, 0, false,
                1024, 64);
    }

    /** The same options with {@code resume} set. */
    public BatchOptions withResume(boolean value) {
        return new BatchOptions(model, output, tile, overlap, tileBatch, blend, threshold, size, value, region,
                regionMargin);
    }

    /** The same options with another window layout. */
    public BatchOptions withTiles(int newTile, int newOverlap, int newTileBatch,
            SlidingWindowInferer.Blending newBlend) {
        return new BatchOptions(model, output, newTile, newOverlap, newTileBatch, newBlend, threshold, size, resume,
                region, regionMargin);
    }

    /** The same options with another threshold and input side. */
    public BatchOptions withThreshold(double newThreshold, int newSize) {
        return new BatchOptions(model, output, tile, overlap, tileBatch, blend, newThreshold, newSize, resume,
                region, regionMargin);
    }

    /** The same options with other region settings. */
    public BatchOptions withRegions(int newRegion, int newMargin) {
        return new BatchOptions(model, output, tile, overlap, tileBatch, blend, threshold, size, resume, newRegion,
                newMargin);
    }
}
