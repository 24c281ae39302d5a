package dev.freqmed.cli;

import dev.freqmed.infer.SlidingWindowInferer;
import picocli.CommandLine.Option;

/**
 * The window options of the commands that predict images ({@code predict}, {@code batch}): a
 * picocli mixin.
 */
public final class WindowOptions {

    @Option(names = "--tile", defaultValue = "0", description = "Run the network in square windows of this"
            + " many pixels of the working image (the image resized to --size or the model's side); a multiple"
            + " of the network's stride. 0 = one pass over the whole image.")
    public int tile;

    @Option(names = "--overlap", defaultValue = "32", description = "Window overlap in pixels, at least the"
            + " network's margin (default: ${DEFAULT-VALUE}).")
    public int overlap;

    @Option(names = "--tile-batch", defaultValue = "1", description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    public int tileBatch;

    @Option(names = "--blend", defaultValue = "linear", description = "How overlapping windows are blended:"
            + " linear (ramps across the overlap) or gaussian (default: ${DEFAULT-VALUE}).")
    public SlidingWindowInferer.Blending blend;

    /** The inferer these options describe. */
    public SlidingWindowInferer inferer() {
        return SlidingWindowInferer.ofOptions(tile, overlap, tileBatch, blend);
    }
}
