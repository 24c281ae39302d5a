package dev.freqmed.engine;

/**
 * How one convolution is computed. Every path gives the same result and the same gradients when
 * the kernels it uses are right; they differ in which engine kernels they reach.
 */
public enum ConvPath {
    /**
     * The engine's own choice, unchanged: on a CPU, libtorch's oneDNN kernels for almost every
     * float32 convolution (ATen's own kernels for a few small ones); on a GPU, cuDNN.
     */
    ENGINE,
    /**
     * oneDNN with the shapes its kernels handle on the machines where it is otherwise wrong: the
     * input made contiguous, output channels zero-padded to a multiple of 32 (the output sliced
     * back), input channels above 16 zero-padded to a multiple of 32, a strided 1×1 convolution run
     * as a stride-1 one on the subsampled input, depthwise channels padded to a multiple of 32.
     * Gradients flow through the padding and slicing, so training is unchanged.
     */
    PADDED,
    /**
     * No convolution kernel at all: the input's patches are gathered by slicing (im2col) and
     * multiplied with the weights by one batched matrix product (BLAS). Slower and larger in
     * memory; the last resort for a class no engine kernel computes correctly.
     */
    IM2COL
}
