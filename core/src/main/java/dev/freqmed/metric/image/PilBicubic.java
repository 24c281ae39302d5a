package dev.freqmed.metric.image;

/**
 * Pillow's bicubic resize of a single-channel float ({@code mode='F'}) image, as clean-fid resizes
 * each channel to 299×299: a separable convolution with the cubic kernel of a = −0.5, its support
 * widened by the shrink factor (antialiasing), weights normalised per output pixel, a horizontal
 * pass over the rows the vertical pass needs and then the vertical pass, each accumulated in
 * double precision and stored as float32 — no rounding to 8 bits.
 *
 * <p>Reference: Pillow 9.x {@code libImaging/Resample.c} ({@code bicubic_filter},
 * {@code precompute_coeffs}, {@code ImagingResampleHorizontal_32bpc}/{@code Vertical_32bpc});
 * checked against Pillow 9.4 on shrinking and enlarging cases.
 */
public final class PilBicubic {

    private static final double A = -0.5;
    private static final double SUPPORT = 2.0;

    private PilBicubic() {
    }

    /** The cubic convolution kernel of Keys with a = −0.5. */
    static double kernel(double x) {
        x = Math.abs(x);
        if (x < 1) {
            return ((A + 2) * x - (A + 3)) * x * x + 1;
        }
        if (x < 2) {
            return (((x - 5) * x + 8) * x - 4) * A;
        }
        return 0;
    }

    /** Per output pixel: first input index, count, and the normalised weights. */
    private record Coeffs(int[] start, int[] count, double[][] weights) {
    }

    private static Coeffs coeffs(int in, int out) {
        double scale = (double) in / out;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int[] start = new int[out];
        int[] count = new int[out];
        double[][] w = new double[out][];
        for (int o = 0; o < out; o++) {
            double center = (o + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), in) - xmin;
            double[] k = new double[Math.max(xmax, 0)];
            double sum = 0;
            for (int x = 0; x < xmax; x++) {
                k[x] = kernel((x + xmin - center + 0.5) * ss);
                sum += k[x];
            }
            if (sum != 0) {
                for (int x = 0; x < xmax; x++) {
                    k[x] /= sum;
                }
            }
            start[o] = xmin;
            count[o] = xmax;
            w[o] = k;
        }
        return new Coeffs(start, count, w);
    }

    /**
     * Resizes a row-major {@code height × width} float image to {@code outHeight × outWidth}.
     *
     * @throws IllegalArgumentException for a non-positive size or a short array
     */
    public static float[] resize(float[] image, int height, int width, int outHeight,
            int outWidth) {
        if (height < 1 || width < 1 || outHeight < 1 || outWidth < 1) {
            throw new IllegalArgumentException("sizes must be positive, found " + height + "x"
                    + width + " -> " + outHeight + "x" + outWidth);
        }
        if (image.length < height * width) {
            throw new IllegalArgumentException("image has " + image.length + " values, expected "
                    + height * width);
        }
        boolean horizontal = outWidth != width;
        boolean vertical = outHeight != height;
        Coeffs cv = coeffs(height, outHeight);
        float[] src = image;
        int rows = height;
        int rowOffset = 0;
        if (horizontal) {
            Coeffs ch = coeffs(width, outWidth);
            int first = vertical ? cv.start[0] : 0;
            int last = vertical ? cv.start[outHeight - 1] + cv.count[outHeight - 1] : height;
            rows = last - first;
            float[] tmp = new float[rows * outWidth];
            for (int y = 0; y < rows; y++) {
                int base = (y + first) * width;
                for (int o = 0; o < outWidth; o++) {
                    double s = 0;
                    double[] k = ch.weights[o];
                    int x0 = base + ch.start[o];
                    for (int x = 0; x < ch.count[o]; x++) {
                        s += src[x0 + x] * k[x];
                    }
                    tmp[y * outWidth + o] = (float) s;
                }
            }
            src = tmp;
            rowOffset = first;
            width = outWidth;
        }
        if (!vertical) {
            return src == image ? image.clone() : src;
        }
        float[] out = new float[outHeight * width];
        for (int o = 0; o < outHeight; o++) {
            double[] k = cv.weights[o];
            int y0 = cv.start[o] - rowOffset;
            for (int x = 0; x < width; x++) {
                double s = 0;
                for (int y = 0; y < cv.count[o]; y++) {
                    s += src[(y0 + y) * width + x] * k[y];
                }
                out[o * width + x] = (float) s;
            }
        }
        return out;
    }
}
