package dev.freqmed.engine;

/**
 * The classes of 2-D convolution that are routed separately. A class groups the convolutions whose
 * engine kernels fail or succeed together on the machines measured so far (see
 * {@code docs/engine.md}); the self-test checks each class on its own and the router picks one path
 * per class.
 */
public enum ConvClass {
    /** {@code groups > 1}: depthwise and grouped convolutions. */
    GROUPED,
    /** A 1×1 kernel with stride 1. */
    POINTWISE,
    /** A 1×1 kernel with stride above 1 (a projection shortcut, a downsampling 1×1). */
    POINTWISE_STRIDED,
    /** A kernel larger than 1×1 with stride 1 (dilated ones included). */
    SPATIAL,
    /** A kernel larger than 1×1 with stride above 1 (patch embeddings, downsampling). */
    SPATIAL_STRIDED;

    /**
     * The class of a convolution.
     *
     * @param kernelH kernel height
     * @param kernelW kernel width
     * @param strideH vertical stride
     * @param strideW horizontal stride
     * @param groups number of groups
     * @return the class
     */
    public static ConvClass of(long kernelH, long kernelW, long strideH, long strideW,
            int groups) {
        boolean strided = strideH > 1 || strideW > 1;
        if (groups > 1) {
            return GROUPED;
        }
        if (kernelH == 1 && kernelW == 1) {
            return strided ? POINTWISE_STRIDED : POINTWISE;
        }
        return strided ? SPATIAL_STRIDED : SPATIAL;
    }
}
