package dev.freqmed.data.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AugmentTest {

    /** A sample whose mask marks exactly where the image's first channel is 200. */
    private static Sample marked(int n) {
        float[] img = new float[3 * n * n];
        float[] mask = new float[n * n];
        Random r = new Random(1);
        for (int i = 0; i < n * n; i++) {
            boolean fg = r.nextInt(3) == 0;
            img[i] = fg ? 200 : 10;
            img[n * n + i] = 50;
            img[2 * n * n + i] = 90;
            mask[i] = fg ? 1 : 0;
        }
        Map<String, FloatImage> m = new LinkedHashMap<>();
        m.put(Sample.IMAGE, new FloatImage(3, n, n, img));
        m.put(Sample.MASK, new FloatImage(1, n, n, mask));
        return new Sample("s", m);
    }

    private static void assertAligned(Sample s) {
        FloatImage img = s.get(Sample.IMAGE);
        FloatImage mask = s.get(Sample.MASK);
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                assertEquals(img.get(0, y, x) == 200f, mask.get(0, y, x) == 1f, "misaligned at " + y + "," + x);
            }
        }
    }

    @Test
    void flipsAndRotationsMoveImageAndMaskTogether() {
        Sample s = marked(9);
        Random rng = new Random(3);
        for (int i = 0; i < 20; i++) {
            Sample t = Augment.randomRotate90(Augment.randomFlips(s, rng), rng);
            assertAligned(t);
        }
    }

    @Test
    void fourQuarterTurnsAreTheIdentity() {
        FloatImage a = marked(5).get(Sample.IMAGE);
        assertArrayEquals(a.data(), Augment.rot90(a, 4).data());
        assertNotEquals(Arrays.toString(a.data()), Arrays.toString(Augment.rot90(a, 1).data()));
        assertArrayEquals(a.data(), Augment.rot90(Augment.rot90(a, 3), 1).data());
    }

    @Test
    void sameSeedGivesSameAugmentation() {
        Transform t = Augment.Settings.standard().toTransform();
        Sample s = marked(16);
        Sample a = t.apply(s, new Random(42));
        Sample b = t.apply(s, new Random(42));
        Sample c = t.apply(s, new Random(43));
        assertArrayEquals(a.get(Sample.IMAGE).data(), b.get(Sample.IMAGE).data());
        assertArrayEquals(a.get(Sample.MASK).data(), b.get(Sample.MASK).data());
        assertNotEquals(Arrays.toString(a.get(Sample.IMAGE).data()), Arrays.toString(c.get(Sample.IMAGE).data()));
    }

    @Test
    void intensityJitterLeavesTheMaskAlone() {
        Sample s = marked(8);
        Sample t = Augment.hueShift(Augment.brightnessContrast(s, new Random(5), 0.2, 0.2), new Random(6), 0.1);
        assertArrayEquals(s.get(Sample.MASK).data(), t.get(Sample.MASK).data());
        assertNotEquals(Arrays.toString(s.get(Sample.IMAGE).data()), Arrays.toString(t.get(Sample.IMAGE).data()));
        for (float v : t.get(Sample.IMAGE).data()) {
            assertEquals(true, v >= 0 && v <= 255);
        }
    }

    @Test
    void zeroAffineIsTheIdentity() {
        FloatImage a = marked(7).get(Sample.IMAGE);
        assertArrayEquals(a.data(), Augment.affine(a, 0, 1, 0, 0).data(), 1e-4f);
    }

    @Test
    void minMaxNormalisationStretchesEachImageTo0to255() {
        FloatImage a = new FloatImage(1, 1, 4, new float[] {10, 20, 30, 50});
        assertArrayEquals(new float[] {0, 63.75f, 127.5f, 255}, Normalization.MINMAX_255.apply(a).data(), 1e-4f);
        FloatImage flat = new FloatImage(1, 1, 2, new float[] {7, 7});
        assertArrayEquals(new float[] {0, 0}, Normalization.MINMAX_255.apply(flat).data());
        assertEquals(Normalization.IMAGENET, Normalization.parse("imagenet"));
    }
}
