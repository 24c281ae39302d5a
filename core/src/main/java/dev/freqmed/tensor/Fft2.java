package dev.freqmed.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Two-dimensional FFTs over the last two axes, with the semantics of {@code torch.fft}
 * ({@code rfft2}, {@code irfft2}, {@code fft2}, {@code ifft2}, {@code fftshift},
 * {@code ifftshift}) including the {@code norm} argument, plus the complex helpers the
 * frequency-domain blocks need (magnitude, phase, real and imaginary parts, building a complex
 * array from parts).
 *
 * <p>Complex arrays are the engine's native complex arrays ({@code complex64} for float32
 * input; float32 is the supported real type). The engine offers 1-D {@code rfft}/{@code irfft}
 * and 2-D {@code fft2}/{@code ifft2} but no {@code rfft2}/{@code irfft2}; they are composed
 * here as torch composes them. {@code rfft2} is a real FFT over the last axis followed by a
 * complex FFT over the second last axis. {@code irfft2} is a complex inverse FFT over the
 * second last axis followed by a complex-to-real inverse FFT over the last axis with an explicit
 * output length, which, as in torch, crops or zero-pads the input to {@code w / 2 + 1} bins and
 * ignores the imaginary parts of the zero and Nyquist bins. The engine's transforms are
 * unnormalised forward and {@code 1/n} inverse ({@code "backward"}); the other norms rescale
 * the result. All operations are recorded by autograd.
 *
 * <p>Note that {@code NDArray.real()} is torch's {@code view_as_real} (it appends an axis of
 * size 2), not the real part; use {@link #realPart(NDArray)} for the latter.
 */
public final class Fft2 {

    /** Normalisation, as torch's {@code norm} argument. */
    public enum Norm {
        /** No scaling forward, {@code 1/n} inverse (torch's default). */
        BACKWARD,
        /** {@code 1/sqrt(n)} both ways. */
        ORTHO,
        /** {@code 1/n} forward, no scaling inverse. */
        FORWARD;

        /**
         * Parses torch's names {@code backward}, {@code ortho}, {@code forward}; null means
         * {@link #BACKWARD} as in torch.
         *
         * @param name the name, case-insensitive, or null
         * @return the norm
         * @throws IllegalArgumentException for any other name
         */
        public static Norm parse(String name) {
            if (name == null) {
                return BACKWARD;
            }
            switch (name.trim().toLowerCase(Locale.ROOT)) {
                case "backward":
                    return BACKWARD;
                case "ortho":
                    return ORTHO;
                case "forward":
                    return FORWARD;
                default:
                    throw new IllegalArgumentException(
                            "Expected FFT norm backward|ortho|forward, found: " + name);
            }
        }
    }

    private Fft2() {}

    /**
     * Real 2-D FFT of the last two axes with {@code norm="backward"}.
     *
     * @param x real array of shape {@code (..., H, W)}
     * @return complex array of shape {@code (..., H, W / 2 + 1)}
     * @throws IllegalArgumentException if {@code x} has fewer than 2 axes or is complex
     */
    public static NDArray rfft2(NDArray x) {
        return rfft2(x, Norm.BACKWARD);
    }

    /**
     * Real 2-D FFT of the last two axes, {@code torch.fft.rfft2(x, norm=norm)}.
     *
     * @param x real array of shape {@code (..., H, W)}
     * @param norm normalisation
     * @return complex array of shape {@code (..., H, W / 2 + 1)}
     * @throws IllegalArgumentException if {@code x} has fewer than 2 axes or is complex
     */
    public static NDArray rfft2(NDArray x, Norm norm) {
        checkAxes(x);
        if (isComplex(x)) {
            throw new IllegalArgumentException(
                    "rfft2 expects a real array, found " + x.getDataType());
        }
        long h = height(x);
        long w = width(x);
        NDArray half = x.rfft(w, -1);
        NDArray y = half.fft(h, -2);
        half.close();
        return scaleForward(y, norm, h * w);
    }

    /**
     * Inverse of {@link #rfft2(NDArray)} with {@code norm="backward"} and an explicit output size.
     *
     * @param x complex half spectrum of shape {@code (..., H', W')}
     * @param h output height (the input's second last axis is cropped or zero-padded to it)
     * @param w output width (the input's last axis is cropped or zero-padded to
     *     {@code w / 2 + 1}); give it explicitly, odd widths cannot be inferred
     * @return real array of shape {@code (..., h, w)}
     * @throws IllegalArgumentException on bad sizes or a non-complex input
     */
    public static NDArray irfft2(NDArray x, long h, long w) {
        return irfft2(x, h, w, Norm.BACKWARD);
    }

    /**
     * {@code torch.fft.irfft2(x, s=(h, w), norm=norm)}.
     *
     * @param x complex half spectrum of shape {@code (..., H', W')}
     * @param h output height
     * @param w output width
     * @param norm normalisation
     * @return real array of shape {@code (..., h, w)}
     * @throws IllegalArgumentException on bad sizes or a non-complex input
     */
    public static NDArray irfft2(NDArray x, long h, long w, Norm norm) {
        checkAxes(x);
        if (!isComplex(x)) {
            throw new IllegalArgumentException(
                    "irfft2 expects a complex array, found " + x.getDataType());
        }
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException(
                    "Expected a positive output size, found " + h + "x" + w);
        }
        NDArray rows = x.ifft(h, -2);
        NDArray y = rows.irfft(w, -1);
        rows.close();
        return scaleInverse(y, norm, h * w);
    }

    /**
     * Complex 2-D FFT of the last two axes with {@code norm="backward"}.
     *
     * @param x real or complex array of shape {@code (..., H, W)}
     * @return complex array of the same shape
     */
    public static NDArray fft2(NDArray x) {
        return fft2(x, Norm.BACKWARD);
    }

    /**
     * {@code torch.fft.fft2(x, norm=norm)}.
     *
     * @param x real or complex array of shape {@code (..., H, W)}
     * @param norm normalisation
     * @return complex array of the same shape
     * @throws IllegalArgumentException if {@code x} has fewer than 2 axes
     */
    public static NDArray fft2(NDArray x, Norm norm) {
        checkAxes(x);
        long h = height(x);
        long w = width(x);
        NDArray y = x.fft2(new long[] {h, w}, new long[] {-2, -1});
        return scaleForward(y, norm, h * w);
    }

    /**
     * Complex inverse 2-D FFT of the last two axes with {@code norm="backward"}.
     *
     * @param x real or complex array of shape {@code (..., H, W)}
     * @return complex array of the same shape
     */
    public static NDArray ifft2(NDArray x) {
        return ifft2(x, Norm.BACKWARD);
    }

    /**
     * {@code torch.fft.ifft2(x, norm=norm)}.
     *
     * @param x real or complex array of shape {@code (..., H, W)}
     * @param norm normalisation
     * @return complex array of the same shape
     * @throws IllegalArgumentException if {@code x} has fewer than 2 axes
     */
    public static NDArray ifft2(NDArray x, Norm norm) {
        checkAxes(x);
        long h = height(x);
        long w = width(x);
        NDArray y = x.ifft2(new long[] {h, w}, new long[] {-2, -1});
        return scaleInverse(y, norm, h * w);
    }

    /**
     * Moves the zero frequency to the centre of the last two axes, {@code torch.fft.fftshift(x,
     * dim=(-2, -1))}: a roll by {@code n / 2} (rounded down) along each axis.
     *
     * @param x real or complex array with at least 2 axes
     * @return the shifted array
     */
    public static NDArray fftshift(NDArray x) {
        checkAxes(x);
        long h = height(x);
        long w = width(x);
        return roll2(x, h / 2, w / 2);
    }

    /**
     * Inverse of {@link #fftshift(NDArray)}, {@code torch.fft.ifftshift(x, dim=(-2, -1))}: a
     * roll by {@code -(n / 2)} along each axis (differs from {@code fftshift} for odd sizes).
     *
     * @param x real or complex array with at least 2 axes
     * @return the shifted array
     */
    public static NDArray ifftshift(NDArray x) {
        checkAxes(x);
        long h = height(x);
        long w = width(x);
        return roll2(x, h - h / 2, w - w / 2);
    }

    /**
     * Magnitude {@code |z|} of a complex array ({@code torch.abs}); its gradient is
     * {@code z / |z|}, and 0 where {@code z == 0}.
     *
     * @param z complex array (a real array gives its absolute value)
     * @return real array of the same shape
     */
    public static NDArray abs(NDArray z) {
        return z.abs();
    }

    /**
     * Phase {@code atan2(imag, real)} of a complex array ({@code torch.angle}).
     *
     * @param z complex array
     * @return real array of the same shape, in radians in {@code [-pi, pi]}
     * @throws IllegalArgumentException if {@code z} is not complex
     */
    public static NDArray angle(NDArray z) {
        return imagPart(z).atan2(realPart(z));
    }

    /**
     * Real part of a complex array ({@code z.real} in torch).
     *
     * @param z complex array
     * @return real array of the same shape
     * @throws IllegalArgumentException if {@code z} is not complex
     */
    public static NDArray realPart(NDArray z) {
        requireComplex(z);
        return z.real().get(new NDIndex("..., 0"));
    }

    /**
     * Imaginary part of a complex array ({@code z.imag} in torch).
     *
     * @param z complex array
     * @return real array of the same shape
     * @throws IllegalArgumentException if {@code z} is not complex
     */
    public static NDArray imagPart(NDArray z) {
        requireComplex(z);
        return z.real().get(new NDIndex("..., 1"));
    }

    /**
     * Builds a complex array from real and imaginary parts ({@code torch.complex(re, im)}).
     *
     * @param re real parts, float32 or float64
     * @param im imaginary parts, same shape and type
     * @return complex array of that shape
     * @throws IllegalArgumentException on mismatched shapes
     */
    public static NDArray fromParts(NDArray re, NDArray im) {
        if (!re.getShape().equals(im.getShape())) {
            throw new IllegalArgumentException(
                    "Real and imaginary parts differ in shape: " + re.getShape() + " vs "
                            + im.getShape());
        }
        return NDArrays.stack(new NDList(re, im), -1).complex();
    }

    /**
     * Builds a complex array from magnitude and phase ({@code torch.polar(abs, angle)}).
     *
     * @param magnitude magnitudes
     * @param phase phases in radians, same shape
     * @return complex array {@code magnitude * exp(i * phase)}
     */
    public static NDArray fromPolar(NDArray magnitude, NDArray phase) {
        return fromParts(magnitude.mul(phase.cos()), magnitude.mul(phase.sin()));
    }

    /**
     * Whether an array holds complex numbers.
     *
     * @param x any array
     * @return true for complex64 (the engine reports no other complex type)
     */
    public static boolean isComplex(NDArray x) {
        return x.getDataType() == DataType.COMPLEX64;
    }

    private static NDArray roll2(NDArray x, long shiftH, long shiftW) {
        NDArray rowsRolled = roll(x, shiftH, height(x), true);
        NDArray y = roll(rowsRolled, shiftW, width(x), false);
        if (y != rowsRolled) {
            rowsRolled.close();
        }
        return y;
    }

    /** torch.roll along the last (or second last) axis: out[i] = x[(i - shift) mod n]. */
    private static NDArray roll(NDArray x, long shift, long n, boolean secondLast) {
        long s = Math.floorMod(shift, n);
        if (s == 0) {
            return x.duplicate();
        }
        String suffix = secondLast ? ", :" : "";
        NDArray tail = x.get(new NDIndex("..., " + (n - s) + ":" + suffix));
        NDArray head = x.get(new NDIndex("..., :" + (n - s) + suffix));
        NDArray y = NDArrays.concat(new NDList(tail, head), secondLast ? -2 : -1);
        tail.close();
        head.close();
        return y;
    }

    private static NDArray scaleForward(NDArray y, Norm norm, long n) {
        switch (norm) {
            case BACKWARD:
                return y;
            case ORTHO:
                return rescale(y, 1.0 / Math.sqrt(n));
            case FORWARD:
                return rescale(y, 1.0 / n);
            default:
                throw new IllegalArgumentException("Unknown norm " + norm);
        }
    }

    private static NDArray scaleInverse(NDArray y, Norm norm, long n) {
        switch (norm) {
            case BACKWARD:
                return y;
            case ORTHO:
                return rescale(y, Math.sqrt(n));
            case FORWARD:
                return rescale(y, (double) n);
            default:
                throw new IllegalArgumentException("Unknown norm " + norm);
        }
    }

    private static NDArray rescale(NDArray y, double factor) {
        NDArray scaled = Scalars.mul(y, (float) factor);
        y.close();
        return scaled;
    }

    private static long height(NDArray x) {
        return x.getShape().get(x.getShape().dimension() - 2);
    }

    private static long width(NDArray x) {
        return x.getShape().get(x.getShape().dimension() - 1);
    }

    private static void checkAxes(NDArray x) {
        if (x == null) {
            throw new IllegalArgumentException("Expected an array, found null");
        }
        if (x.getShape().dimension() < 2) {
            throw new IllegalArgumentException(
                    "Expected at least 2 axes (..., H, W), found shape " + x.getShape());
        }
    }

    private static void requireComplex(NDArray z) {
        if (!isComplex(z)) {
            throw new IllegalArgumentException(
                    "Expected a complex array, found " + z.getDataType());
        }
    }
}
