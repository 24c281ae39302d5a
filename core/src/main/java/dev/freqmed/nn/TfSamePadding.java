package dev.freqmed.nn;

/**
 * TensorFlow/Keras {@code padding="same"} arithmetic for one spatial axis: the output has
 * {@code ceil(n / stride)} elements and the total padding is split with the smaller half before.
 * That split is asymmetric where PyTorch's symmetric padding is not equivalent, e.g. a 2×2 kernel
 * at stride 1 (0 before, 1 after) or a 3×3 kernel at stride 2 on an even size (0 before, 1 after).
 */
final class TfSamePadding {

    private TfSamePadding() {
    }

    /** Effective extent of a dilated kernel: {@code k + (k - 1)(d - 1)}. */
    static int effectiveKernel(int kernel, int dilation) {
        return kernel + (kernel - 1) * (dilation - 1);
    }

    /**
     * Padding of one axis under TF "same".
     *
     * @return {@code {before, after}}
     */
    static int[] same(long size, int kernel, int stride, int dilation) {
        long out = (size + stride - 1) / stride;
        long total = Math.max((out - 1) * stride + effectiveKernel(kernel, dilation) - size, 0);
        int before = (int) (total / 2);
        return new int[] {before, (int) total - before};
    }

    /**
     * The explicit padding Keras DeepLab code applies before a strided "valid" convolution:
     * {@code (k_eff - 1) / 2} before and the rest after, independent of the input size.
     *
     * @return {@code {before, after}}
     */
    static int[] explicitSymmetric(int kernel, int dilation) {
        int total = effectiveKernel(kernel, dilation) - 1;
        int before = total / 2;
        return new int[] {before, total - before};
    }
}
