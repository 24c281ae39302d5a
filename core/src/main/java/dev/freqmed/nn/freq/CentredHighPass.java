package dev.freqmed.nn.freq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.freqmed.tensor.Fft2;
import dev.freqmed.tensor.HostArrays;

/**
 * The hand-crafted high-frequency image of the EVP / SAM-Adapter prompt generators (FPNuNet spec
 * §3.3, step 1): per image and channel, the centred spectrum {@code fftshift(FFT2(x))} has the
 * centred square of rows {@code [H/2 − l, H/2 + l)} and columns {@code [W/2 − l, W/2 + l)} set
 * to zero, with {@code l = floor(sqrt(H·W·rate) / 2)}; the result is
 * {@code |Re(IFFT2(ifftshift(·)))|} with the usual {@code 1/(HW)} inverse scaling (the reference
 * divides the forward transform by {@code HW} and leaves the inverse unscaled, which is the same).
 * Reference: SAM-Adapter {@code PromptGenerator.fft} with {@code freq_nums = 0.25}.
 *
 * <p>The mask is applied in the unshifted layout ({@code ifftshift} of the centred mask), which
 * equals shift, mask, inverse shift. The output depends on the image only, so it carries no
 * gradient. Input {@code (N, C, H, W)} float32, output the same shape.
 */
public final class CentredHighPass {

    private CentredHighPass() {
    }

    /**
     * The half side {@code l} of the removed low-frequency square.
     *
     * @param h    image rows
     * @param w    image columns
     * @param rate share of the spectrum ({@code freq_nums}, 0.25 in FPNuNet)
     * @return {@code floor(sqrt(h·w·rate) / 2)}
     */
    public static int halfSide(int h, int w, double rate) {
        return (int) Math.floor(Math.sqrt(h * (double) w * rate) / 2);
    }

    /**
     * Applies the filter.
     *
     * @param x    real images {@code (N, C, H, W)}
     * @param rate share of the spectrum removed around DC, in (0, 1]
     * @return the high-pass magnitude, {@code (N, C, H, W)}, detached from autograd
     * @throws IllegalArgumentException for a rate outside (0, 1] or an input that is not 4-D
     */
    public static NDArray apply(NDArray x, double rate) {
        if (!(rate > 0 && rate <= 1)) {
            throw new IllegalArgumentException("high-pass rate must be in (0, 1], found " + rate);
        }
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("high-pass expects (N, C, H, W), found " + s);
        }
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        int l = halfSide(h, w, rate);
        float[] mask = new float[h * w];
        for (int i = 0; i < h; i++) {
            int ci = (i + h / 2) % h; // centred row shown at unshifted row i (ifftshift)
            boolean rowIn = ci >= h / 2 - l && ci < h / 2 + l;
            for (int j = 0; j < w; j++) {
                int cj = (j + w / 2) % w;
                boolean colIn = cj >= w / 2 - l && cj < w / 2 + l;
                mask[i * w + j] = rowIn && colIn ? 0f : 1f;
            }
        }
        NDArray m = HostArrays.of(x.getManager(), mask, new Shape(h, w))
                .toDevice(x.getDevice(), false);
        NDArray spectrum = Fft2.fft2(x.stopGradient());
        NDArray filtered = Fft2.fromParts(Fft2.realPart(spectrum).mul(m),
                Fft2.imagPart(spectrum).mul(m));
        return Fft2.realPart(Fft2.ifft2(filtered)).abs();
    }
}
