package dev.freqmed.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Padding helpers: TensorFlow/Keras {@code padding="same"} amounts, and constant padding of
 * {@code (N, C, H, W)} arrays that autograd records.
 *
 * <p>The engine's {@code NDArray.pad(Shape, value)} is torch's {@code F.pad}: the shape lists
 * {@code (before, after)} pairs starting from the <em>last</em> axis, i.e.
 * {@code (left, right, top, bottom)} for NCHW (checked by the tests).
 */
public final class Padding {

    private Padding() {}

    /**
     * Padding before and after one spatial axis.
     *
     * @param before elements added before (top or left)
     * @param after elements added after (bottom or right)
     */
    public record Amount(int before, int after) {

        /** Total padding. @return {@code before + after} */
        public int total() {
            return before + after;
        }
    }

    /**
     * TensorFlow's "same" padding along one axis: the output has {@code ceil(n / stride)}
     * elements, the total padding is {@code max((out - 1) * stride + (k - 1) * dilation + 1 - n,
     * 0)}, and the odd element goes after ({@code before = total / 2}).
     *
     * @param inputSize input length {@code n}, positive
     * @param kernel kernel size, positive
     * @param stride stride, positive
     * @param dilation dilation, positive
     * @return the padding
     * @throws IllegalArgumentException for non-positive arguments
     */
    public static Amount same(int inputSize, int kernel, int stride, int dilation) {
        positive(inputSize, "inputSize");
        positive(kernel, "kernel");
        positive(stride, "stride");
        positive(dilation, "dilation");
        long out = (inputSize + (long) stride - 1) / stride;
        long total = Math.max((out - 1) * stride + (long) (kernel - 1) * dilation + 1 - inputSize,
                0);
        int t = Math.toIntExact(total);
        return new Amount(t / 2, t - t / 2);
    }

    /**
     * Pads the last two axes of an {@code (N, C, H, W)} (or any at least 2-D) array with a
     * constant, like {@code F.pad(x, (left, right, top, bottom), value=value)}.
     *
     * @param x input with at least 2 axes
     * @param top rows added above, 0 or more
     * @param bottom rows added below, 0 or more
     * @param left columns added on the left, 0 or more
     * @param right columns added on the right, 0 or more
     * @param value fill value
     * @return the padded array, recorded by autograd
     * @throws IllegalArgumentException for negative amounts or arrays with fewer than 2 axes
     */
    public static NDArray pad(
            NDArray x, int top, int bottom, int left, int right, double value) {
        if (x.getShape().dimension() < 2) {
            throw new IllegalArgumentException(
                    "Expected at least 2 axes (..., H, W), found shape " + x.getShape());
        }
        if (top < 0 || bottom < 0 || left < 0 || right < 0) {
            throw new IllegalArgumentException(
                    "Expected non-negative padding, found top=" + top + " bottom=" + bottom
                            + " left=" + left + " right=" + right);
        }
        if (top == 0 && bottom == 0 && left == 0 && right == 0) {
            return x.duplicate();
        }
        return x.pad(new Shape(left, right, top, bottom), value);
    }

    /**
     * Pads an {@code (N, C, H, W)} array with zeros so that a convolution with the given kernel,
     * stride and dilation and no padding of its own behaves like TensorFlow's "same".
     *
     * @param x input {@code (N, C, H, W)}
     * @param kernelH kernel height
     * @param kernelW kernel width
     * @param strideH stride along height
     * @param strideW stride along width
     * @param dilation dilation along both axes
     * @return the zero-padded array
     * @throws IllegalArgumentException on bad arguments
     */
    public static NDArray padSame(
            NDArray x, int kernelH, int kernelW, int strideH, int strideW, int dilation) {
        if (x.getShape().dimension() != 4) {
            throw new IllegalArgumentException(
                    "Expected an (N, C, H, W) array, found shape " + x.getShape());
        }
        Amount h = same(Math.toIntExact(x.getShape().get(2)), kernelH, strideH, dilation);
        Amount w = same(Math.toIntExact(x.getShape().get(3)), kernelW, strideW, dilation);
        return pad(x, h.before(), h.after(), w.before(), w.after(), 0);
    }

    private static void positive(int v, String name) {
        if (v < 1) {
            throw new IllegalArgumentException("Expected a positive " + name + ", found " + v);
        }
    }
}
