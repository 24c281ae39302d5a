package dev.freqmed.data.transform;

import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Augmentations for segmentation. Geometric ones (flips, 90° rotations, small affine) move every
 * array of the sample together; intensity ones (brightness, contrast, hue) change only
 * {@link Sample#IMAGE}, which is expected in 0..255 (apply them before normalisation).
 */
public final class Augment {

    private Augment() {
    }

    /**
     * Settings of the standard augmentation pipeline.
     *
     * @param flips            random horizontal and vertical flips
     * @param rotate90         random multiples of 90° (square inputs only; skipped otherwise)
     * @param affineDegrees    maximum rotation of the small affine warp, degrees (0 disables)
     * @param affineScale      maximum relative scale change, e.g. 0.1 for 0.9..1.1
     * @param affineTranslate  maximum shift as a fraction of the size
     * @param brightness       maximum additive brightness change as a fraction of 255
     * @param contrast         maximum relative contrast change
     * @param hue              maximum hue rotation as a fraction of the colour circle (0..0.5)
     */
    public record Settings(boolean flips, boolean rotate90, double affineDegrees, double affineScale,
            double affineTranslate, double brightness, double contrast, double hue) {

        /** Validates ranges. */
        public Settings {
            if (affineDegrees < 0 || affineScale < 0 || affineScale >= 1 || affineTranslate < 0 || affineTranslate >= 1
                    || brightness < 0 || contrast < 0 || contrast >= 1 || hue < 0 || hue > 0.5) {
                throw new IllegalArgumentException("augmentation out of range: " + this);
            }
        }

        /** No augmentation at all (the FRCU-Net reference trains without any). */
        public static Settings none() {
            return new Settings(false, false, 0, 0, 0, 0, 0, 0);
        }

        /** A moderate default for small data sets. */
        public static Settings standard() {
            return new Settings(true, true, 15, 0.1, 0.05, 0.1, 0.1, 0.02);
        }

        /** The transform these settings describe. */
        public Transform toTransform() {
            List<Transform> steps = new ArrayList<>();
            if (flips) {
                steps.add(Augment::randomFlips);
            }
            if (rotate90) {
                steps.add(Augment::randomRotate90);
            }
            if (affineDegrees > 0 || affineScale > 0 || affineTranslate > 0) {
                steps.add((s, r) -> randomAffine(s, r, affineDegrees, affineScale, affineTranslate));
            }
            if (brightness > 0 || contrast > 0) {
                steps.add((s, r) -> brightnessContrast(s, r, brightness, contrast));
            }
            if (hue > 0) {
                steps.add((s, r) -> hueShift(s, r, hue));
            }
            return Compose.of(steps);
        }
    }

    /** Flips left-right and up-down, each with probability 1/2. */
    public static Sample randomFlips(Sample s, Random rng) {
        boolean h = rng.nextBoolean();
        boolean v = rng.nextBoolean();
        if (!h && !v) {
            return s;
        }
        return mapAll(s, a -> flip(a, h, v));
    }

    /** Rotates by k·90°, k uniform in 0..3; leaves non-square samples unchanged. */
    public static Sample randomRotate90(Sample s, Random rng) {
        int k = rng.nextInt(4);
        FloatImage image = s.get(Sample.IMAGE);
        if (k == 0 || image.height() != image.width()) {
            return s;
        }
        return mapAll(s, a -> rot90(a, k));
    }

    /**
     * A random rotation/scale/translation about the centre, bilinear for the image and for
     * soft masks, zero outside.
     */
    public static Sample randomAffine(Sample s, Random rng, double maxDeg, double maxScale, double maxShift) {
        double angle = Math.toRadians((rng.nextDouble() * 2 - 1) * maxDeg);
        double scale = 1 + (rng.nextDouble() * 2 - 1) * maxScale;
        double tx = (rng.nextDouble() * 2 - 1) * maxShift;
        double ty = (rng.nextDouble() * 2 - 1) * maxShift;
        return mapAll(s, a -> affine(a, angle, scale, tx * a.width(), ty * a.height()));
    }

    /** Random brightness (additive) and contrast (about the image mean) change of the image, clamped to 0..255. */
    public static Sample brightnessContrast(Sample s, Random rng, double maxBrightness, double maxContrast) {
        FloatImage img = s.get(Sample.IMAGE);
        double b = (rng.nextDouble() * 2 - 1) * maxBrightness * 255;
        double c = 1 + (rng.nextDouble() * 2 - 1) * maxContrast;
        float[] src = img.data();
        double mean = 0;
        for (float v : src) {
            mean += v;
        }
        mean /= src.length;
        float[] out = new float[src.length];
        for (int i = 0; i < src.length; i++) {
            out[i] = clamp((float) ((src[i] - mean) * c + mean + b));
        }
        return s.with(Sample.IMAGE, new FloatImage(img.channels(), img.height(), img.width(), out));
    }

    /** Rotates the hue of an RGB image by a random fraction of the colour circle in [-max, max]. */
    public static Sample hueShift(Sample s, Random rng, double maxHue) {
        FloatImage img = s.get(Sample.IMAGE);
        if (img.channels() != 3) {
            return s;
        }
        double theta = (rng.nextDouble() * 2 - 1) * maxHue * 2 * Math.PI;
        // Rotation about the grey axis (1,1,1)/sqrt(3): a hue rotation that keeps luminance sums.
        double cos = Math.cos(theta);
        double sin = Math.sin(theta);
        double k = (1 - cos) / 3;
        double q = Math.sqrt(1.0 / 3) * sin;
        double[][] m = {
            {cos + k, k - q, k + q},
            {k + q, cos + k, k - q},
            {k - q, k + q, cos + k},
        };
        int plane = img.height() * img.width();
        float[] src = img.data();
        float[] out = new float[src.length];
        for (int i = 0; i < plane; i++) {
            double r = src[i];
            double g = src[plane + i];
            double b = src[2 * plane + i];
            for (int c = 0; c < 3; c++) {
                out[c * plane + i] = clamp((float) (m[c][0] * r + m[c][1] * g + m[c][2] * b));
            }
        }
        return s.with(Sample.IMAGE, new FloatImage(3, img.height(), img.width(), out));
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(255f, v));
    }

    private static Sample mapAll(Sample s, java.util.function.UnaryOperator<FloatImage> f) {
        Map<String, FloatImage> m = new LinkedHashMap<>();
        for (Map.Entry<String, FloatImage> e : s.arrays().entrySet()) {
            m.put(e.getKey(), f.apply(e.getValue()));
        }
        return new Sample(s.id(), m);
    }

    /** Flips an image left-right ({@code h}) and/or up-down ({@code v}). */
    public static FloatImage flip(FloatImage a, boolean h, boolean v) {
        int hh = a.height();
        int ww = a.width();
        float[] out = new float[a.data().length];
        for (int c = 0; c < a.channels(); c++) {
            for (int y = 0; y < hh; y++) {
                int sy = v ? hh - 1 - y : y;
                for (int x = 0; x < ww; x++) {
                    int sx = h ? ww - 1 - x : x;
                    out[(c * hh + y) * ww + x] = a.get(c, sy, sx);
                }
            }
        }
        return new FloatImage(a.channels(), hh, ww, out);
    }

    /** Rotates a square image counter-clockwise by {@code k * 90} degrees. */
    public static FloatImage rot90(FloatImage a, int k) {
        FloatImage cur = a;
        for (int i = 0; i < ((k % 4) + 4) % 4; i++) {
            int n = cur.height();
            float[] out = new float[cur.data().length];
            for (int c = 0; c < cur.channels(); c++) {
                for (int y = 0; y < n; y++) {
                    for (int x = 0; x < n; x++) {
                        // out[y][x] = in[x][n-1-y]  (counter-clockwise)
                        out[(c * n + y) * n + x] = cur.get(c, x, n - 1 - y);
                    }
                }
            }
            cur = new FloatImage(cur.channels(), n, n, out);
        }
        return cur;
    }

    /** Warps with rotation {@code angle} (radians), {@code scale} and shift about the centre; bilinear, zero outside. */
    public static FloatImage affine(FloatImage a, double angle, double scale, double tx, double ty) {
        int h = a.height();
        int w = a.width();
        double cx = (w - 1) / 2.0;
        double cy = (h - 1) / 2.0;
        double cos = Math.cos(angle) / scale;
        double sin = Math.sin(angle) / scale;
        float[] out = new float[a.data().length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double dx = x - cx - tx;
                double dy = y - cy - ty;
                double sx = cos * dx + sin * dy + cx;
                double sy = -sin * dx + cos * dy + cy;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                double fx = sx - x0;
                double fy = sy - y0;
                for (int c = 0; c < a.channels(); c++) {
                    double v = (1 - fy) * ((1 - fx) * at(a, c, y0, x0) + fx * at(a, c, y0, x0 + 1))
                            + fy * ((1 - fx) * at(a, c, y0 + 1, x0) + fx * at(a, c, y0 + 1, x0 + 1));
                    out[(c * h + y) * w + x] = (float) v;
                }
            }
        }
        return new FloatImage(a.channels(), h, w, out);
    }

    private static float at(FloatImage a, int c, int y, int x) {
        if (y < 0 || x < 0 || y >= a.height() || x >= a.width()) {
            return 0f;
        }
        return a.get(c, y, x);
    }
}
