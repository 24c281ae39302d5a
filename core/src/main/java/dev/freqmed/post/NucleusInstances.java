package dev.freqmed.post;

/**
 * Typed nucleus instances of one image. Arrays indexed by instance hold instance {@code id} at
 * index {@code id - 1}.
 *
 * @param instances       {@code height * width} row-major ids, 0 = background, 1..count
 * @param height          rows
 * @param width           columns
 * @param count           number of instances
 * @param type            type per instance (0 when no type map was given)
 * @param typeProbability fraction of the instance's pixels voting for its type (0 without types)
 * @param centroidX       mean column of the instance's pixels (pixel centres at integers)
 * @param centroidY       mean row of the instance's pixels
 * @param area            pixels per instance
 */
public record NucleusInstances(int[] instances, int height, int width, int count, int[] type,
        float[] typeProbability, double[] centroidX, double[] centroidY, int[] area) {

    /** Validates the sizes. */
    public NucleusInstances {
        if (height <= 0 || width <= 0 || instances.length != height * width) {
            throw new IllegalArgumentException("expected " + height + "x" + width
                    + " instance ids, found " + instances.length);
        }
        if (count < 0 || type.length != count || typeProbability.length != count
                || centroidX.length != count || centroidY.length != count
                || area.length != count) {
            throw new IllegalArgumentException("per-instance arrays must have length " + count);
        }
    }
}
