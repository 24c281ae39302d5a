package dev.freqmed.data.stain;

import dev.freqmed.data.FloatImage;
import dev.freqmed.io.RgbImage;

/**
 * Ruifrok–Johnston colour deconvolution of RGB into haematoxylin, eosin and DAB (HED), with the
 * log transform and stain matrix of scikit-image's {@code color.rgb2hed}: with RGB scaled to
 * [0, 1], {@code od = ln(max(rgb, 1e-6)) / ln(1e-6)} per channel (0 for white, 1 for black), then
 * {@code hed = max(od · M, 0)} with {@code M} the inverse of the stain matrix whose rows are the
 * H, E and DAB colour vectors (0.65, 0.70, 0.29), (0.07, 0.99, 0.11), (0.27, 0.57, 0.78).
 *
 * <p>The values are optical densities divided by {@code -log10(1e-6) = 6} (scikit-image's scale);
 * {@link #OD_PER_UNIT} converts them to conventional decadic optical density.
 *
 * <p>Reference: A. C. Ruifrok, D. A. Johnston, "Quantification of histochemical staining by color
 * deconvolution", Anal. Quant. Cytol. Histol. 23(4):291–299, 2001; scikit-image 0.19
 * {@code color/colorconv.py} ({@code separate_stains}, {@code hed_from_rgb}); spec fpnunet §2.
 * Equal to scikit-image to 1e-12 in double precision.
 */
public final class HedDeconvolution {

    /** Stain colour vectors (rows: haematoxylin, eosin, DAB), RGB optical densities. */
    public static final double[][] RGB_FROM_HED = {
        {0.65, 0.70, 0.29},
        {0.07, 0.99, 0.11},
        {0.27, 0.57, 0.78},
    };

    /** {@code RGB_FROM_HED}'s inverse: {@code hed = od · HED_FROM_RGB} (od a row vector). */
    public static final double[][] HED_FROM_RGB = invert(RGB_FROM_HED);

    /** Multiply a stain value by this for decadic optical density ({@code -log10(1e-6)}). */
    public static final double OD_PER_UNIT = 6.0;

    private static final double FLOOR = 1e-6;
    private static final double LOG_FLOOR = Math.log(FLOOR);
    private static final double[] LOG_BYTE = new double[256];

    static {
        for (int v = 0; v < 256; v++) {
            LOG_BYTE[v] = Math.log(Math.max(v / 255.0, FLOOR)) / LOG_FLOOR;
        }
    }

    private HedDeconvolution() {
    }

    /**
     * HED of one 8-bit pixel.
     *
     * @return {H, E, DAB}, each &ge; 0
     */
    public static double[] hed(int r, int g, int b) {
        double[] out = new double[3];
        hed(LOG_BYTE[r & 0xff], LOG_BYTE[g & 0xff], LOG_BYTE[b & 0xff], out);
        return out;
    }

    /** DAB value of one 8-bit pixel (the third component of {@link #hed}). */
    public static double dab(int r, int g, int b) {
        double v = LOG_BYTE[r & 0xff] * HED_FROM_RGB[0][2] + LOG_BYTE[g & 0xff] * HED_FROM_RGB[1][2]
                + LOG_BYTE[b & 0xff] * HED_FROM_RGB[2][2];
        return v < 0 ? 0 : v;
    }

    /**
     * Mean DAB optical density (decadic, {@link #dab} x
     * {@link #OD_PER_UNIT}) of every instance, for per-nucleus tables.
     *
     * @param instances {@code height * width} ids, 0 = background
     * @param image     the original RGB image of the same size
     * @return indexed by id (0..max id); NaN for ids without pixels and for 0
     * @throws IllegalArgumentException if the sizes differ
     */
    public static double[] meanDabOpticalDensity(int[] instances, RgbImage image) {
        if (instances.length != image.width() * image.height()) {
            throw new IllegalArgumentException("expected " + image.width() * image.height()
                    + " instance ids for a " + image.width() + "x" + image.height()
                    + " image, found " + instances.length);
        }
        int max = 0;
        for (int v : instances) {
            if (v < 0) {
                throw new IllegalArgumentException("instance ids must be >= 0, found " + v);
            }
            max = Math.max(max, v);
        }
        long[] area = new long[max + 1];
        double[] sum = new double[max + 1];
        byte[] px = image.data();
        for (int i = 0; i < instances.length; i++) {
            int id = instances[i];
            if (id != 0) {
                area[id]++;
                sum[id] += dab(px[3 * i], px[3 * i + 1], px[3 * i + 2]);
            }
        }
        double[] out = new double[max + 1];
        for (int id = 0; id <= max; id++) {
            out[id] = id == 0 || area[id] == 0 ? Double.NaN
                    : OD_PER_UNIT * sum[id] / area[id];
        }
        return out;
    }

    /**
     * HED of an 8-bit image.
     *
     * @return (3, H, W): haematoxylin, eosin, DAB
     */
    public static FloatImage hed(RgbImage image) {
        int n = image.width() * image.height();
        float[] out = new float[3 * n];
        double[] px = new double[3];
        byte[] d = image.data();
        for (int i = 0; i < n; i++) {
            hed(LOG_BYTE[d[3 * i] & 0xff], LOG_BYTE[d[3 * i + 1] & 0xff],
                    LOG_BYTE[d[3 * i + 2] & 0xff], px);
            out[i] = (float) px[0];
            out[n + i] = (float) px[1];
            out[2 * n + i] = (float) px[2];
        }
        return new FloatImage(3, image.height(), image.width(), out);
    }

    /**
     * HED of a planar RGB image with values in [0, 1] (values are floored at 1e-6).
     *
     * @param rgb (3, H, W)
     * @return (3, H, W)
     * @throws IllegalArgumentException if the image does not have 3 channels
     */
    public static FloatImage hed(FloatImage rgb) {
        if (rgb.channels() != 3) {
            throw new IllegalArgumentException("HED deconvolution needs 3 channels, found "
                    + rgb.channels());
        }
        int n = rgb.width() * rgb.height();
        float[] out = new float[3 * n];
        double[] px = new double[3];
        float[] d = rgb.data();
        for (int i = 0; i < n; i++) {
            hed(od(d[i]), od(d[n + i]), od(d[2 * n + i]), px);
            out[i] = (float) px[0];
            out[n + i] = (float) px[1];
            out[2 * n + i] = (float) px[2];
        }
        return new FloatImage(3, rgb.height(), rgb.width(), out);
    }

    private static double od(double v) {
        return Math.log(Math.max(v, FLOOR)) / LOG_FLOOR;
    }

    private static void hed(double r, double g, double b, double[] out) {
        for (int s = 0; s < 3; s++) {
            double v = r * HED_FROM_RGB[0][s] + g * HED_FROM_RGB[1][s] + b * HED_FROM_RGB[2][s];
            out[s] = v < 0 ? 0 : v;
        }
    }

    /** Inverse of a 3x3 matrix by cofactors. */
    static double[][] invert(double[][] m) {
        double a = m[0][0];
        double b = m[0][1];
        double c = m[0][2];
        double d = m[1][0];
        double e = m[1][1];
        double f = m[1][2];
        double g = m[2][0];
        double h = m[2][1];
        double i = m[2][2];
        double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
        if (Math.abs(det) < 1e-12) {
            throw new IllegalArgumentException("stain matrix is singular");
        }
        return new double[][] {
            {(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det},
            {(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det},
            {(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det},
        };
    }
}
