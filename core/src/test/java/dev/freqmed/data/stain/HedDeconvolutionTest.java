package dev.freqmed.data.stain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.freqmed.data.FloatImage;
import dev.freqmed.io.RgbImage;
import org.junit.jupiter.api.Test;

class HedDeconvolutionTest {

    // skimage.color.rgb2hed (scikit-image 0.19.3, numpy 1.24.2) of these uint8 pixels.
    private static final int[][] PIXELS = {
        {255, 255, 255}, {0, 0, 0}, {120, 60, 200}, {200, 150, 90}, {33, 180, 77},
        {250, 12, 140},
    };
    private static final double[][] SKIMAGE = {
        {0, 0, 0},
        {1.2101673111892832, 0, 0.8819504551361967},
        {0.08497519561643298, 0.05541513232165883, 0},
        {0, 0, 0.10363724750090594},
        {0.22411776563390318, 0, 0.05066635214103567},
        {0, 0.22873709984608004, 0.03751878050211657},
    };

    @Test
    void inverseMatrixEqualsScikitImage() {
        // scikit-image's hed_from_rgb (scipy.linalg.inv of the stain matrix).
        double[][] expected = {
            {1.8779827368521356, -1.0076786862855642, -0.5561158181996246},
            {-0.06590806222356334, 1.1347303724996625, -0.13552179862837116},
            {-0.6019073634392891, -0.4804141884970579, 1.5735880719641926},
        };
        for (int r = 0; r < 3; r++) {
            assertArrayEquals(expected[r], HedDeconvolution.HED_FROM_RGB[r], 1e-14);
        }
    }

    @Test
    void pixelsEqualScikitImage() {
        byte[] data = new byte[PIXELS.length * 3];
        for (int p = 0; p < PIXELS.length; p++) {
            double[] hed = HedDeconvolution.hed(PIXELS[p][0], PIXELS[p][1], PIXELS[p][2]);
            assertArrayEquals(SKIMAGE[p], hed, 1e-12, "pixel " + p);
            assertEquals(SKIMAGE[p][2],
                    HedDeconvolution.dab(PIXELS[p][0], PIXELS[p][1], PIXELS[p][2]), 1e-12);
            for (int c = 0; c < 3; c++) {
                data[3 * p + c] = (byte) PIXELS[p][c];
            }
        }
        FloatImage img = HedDeconvolution.hed(new RgbImage(PIXELS.length, 1, data));
        float[] planar = new float[3 * PIXELS.length];
        for (int p = 0; p < PIXELS.length; p++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(SKIMAGE[p][c], img.get(c, 0, p), 1e-6);
                planar[c * PIXELS.length + p] = PIXELS[p][c] / 255f;
            }
        }
        FloatImage fromFloat = HedDeconvolution.hed(new FloatImage(3, 1, PIXELS.length, planar));
        for (int p = 0; p < PIXELS.length; p++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(SKIMAGE[p][c], fromFloat.get(c, 0, p), 1e-6);
            }
        }
    }

    @Test
    void rejectsNonRgb() {
        assertThrows(IllegalArgumentException.class,
                () -> HedDeconvolution.hed(FloatImage.zeros(1, 2, 2)));
    }
}
