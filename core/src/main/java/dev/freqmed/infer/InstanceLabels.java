package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;
import dev.freqmed.io.RgbImage;

/**
 * Object instances of a whole image, as {@link InstanceWriter} writes them: integer ids (0 =
 * background, objects 1..{@code count}), optionally a class per pixel and each object's class
 * probability, and optionally the image's pixels (for the overlay and the stain measures).
 *
 * @param width           columns
 * @param height          rows
 * @param labels          {@code height * width} ids, row-major
 * @param types           {@code height * width} classes (0..255), or null without classes
 * @param count           the largest id
 * @param typeProbability per object (index {@code id - 1}) the probability of its class, or
 *                        null when the model gives none
 * @param image           the image the objects were found in, or null
 */
public record InstanceLabels(int width, int height, int[] labels, int[] types, int count,
        float[] typeProbability, RgbImage image) {

    /** Validates the sizes. */
    public InstanceLabels {
        if (labels.length != width * height || (types != null && types.length != labels.length)) {
            throw new IllegalArgumentException("instance map arrays do not match " + width + "x"
                    + height);
        }
        if (typeProbability != null && typeProbability.length != count) {
            throw new IllegalArgumentException("expected " + count + " type probabilities, found "
                    + typeProbability.length);
        }
        if (image != null && (image.width() != width || image.height() != height)) {
            throw new IllegalArgumentException("the image is " + image.width() + "x"
                    + image.height() + ", the labels " + width + "x" + height);
        }
    }

    /**
     * The prediction summary of these objects: {@code nuclei} (the object count) and, with
     * classes, {@code type_t} objects of each class t from 1 to the largest class present.
     */
    public java.util.Map<String, Object> summary() {
        return summary(0);
    }

    /**
     * The prediction summary of these objects, as an instance model's whole-image prediction
     * gives it: {@code nuclei} (the object count) and, with classes, {@code type_t} objects of each
     * class t from 1 to {@code classes - 1}, or to the largest class present if that is larger.
     *
     * @param classes the model's number of classes, background included (0 when unknown)
     * @return the summary
     */
    public java.util.Map<String, Object> summary(int classes) {
        if (types == null) {
            return summary(new int[0], 0, count);
        }
        int[] classOf = new int[count];
        java.util.Arrays.fill(classOf, -1);
        int max = 0;
        for (int i = 0; i < labels.length; i++) {
            int id = labels[i];
            if (id > 0 && classOf[id - 1] < 0) {
                classOf[id - 1] = types[i];
                max = Math.max(max, types[i]);
            }
        }
        return summary(classOf, Math.max(classes, max + 1), count);
    }

    /**
     * An instance prediction's summary: {@code nuclei} (the object count) and, for each class t
     * from 1 to {@code classes - 1}, {@code type_t}, the objects of that class.
     *
     * @param classOfObject per object its class (others, e.g. -1, are not counted)
     * @param classes       the number of classes, background included (0: no class counts)
     * @param count         the object count
     */
    public static java.util.Map<String, Object> summary(int[] classOfObject, int classes,
            int count) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("nuclei", count);
        int[] per = new int[Math.max(classes, 0)];
        for (int t : classOfObject) {
            if (t >= 0 && t < per.length) {
                per[t]++;
            }
        }
        for (int t = 1; t < per.length; t++) {
            out.put("type_" + t, per[t]);
        }
        return out;
    }

    /**
     * The labels of a prediction, with its classes and class probabilities when it has them.
     *
     * @param prediction holds {@link PredictionOutput#INSTANCES}, optionally
     *                   {@link PredictionOutput#TYPES} and
     *                   {@link PredictionOutput#TYPE_PROBABILITY}
     * @param original   the (3, H, W) image in 0..255, or null
     * @param what       named in the error, e.g. the image's stem
     * @return the labels
     * @throws IllegalArgumentException when an id is negative or not an integer
     */
    public static InstanceLabels of(Prediction prediction, FloatImage original, String what) {
        FloatImage inst = prediction.get(PredictionOutput.INSTANCES);
        FloatImage types = prediction.arrays().get(PredictionOutput.TYPES);
        FloatImage probability = prediction.arrays().get(PredictionOutput.TYPE_PROBABILITY);
        int[] labels = new int[inst.data().length];
        int max = 0;
        for (int i = 0; i < labels.length; i++) {
            float v = inst.data()[i];
            if (v < 0 || v != Math.rint(v) || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("instance labels must be non-negative integers,"
                        + " found " + v + " in " + what);
            }
            labels[i] = (int) v;
            max = Math.max(max, labels[i]);
        }
        int[] cls = null;
        if (types != null) {
            cls = new int[labels.length];
            for (int i = 0; i < cls.length; i++) {
                cls[i] = Math.max(0, Math.min(255, Math.round(types.data()[i])));
            }
        }
        float[] prob = null;
        if (probability != null) {
            prob = new float[max];
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] > 0) {
                    prob[labels[i] - 1] = probability.data()[i];
                }
            }
        }
        RgbImage rgb = original != null && original.channels() == 3
                && original.width() == inst.width() && original.height() == inst.height()
                ? toRgb(original) : null;
        return new InstanceLabels(inst.width(), inst.height(), labels, cls, max, prob, rgb);
    }

    /** A (3, H, W) image of 0..255 values as 8-bit RGB (rounded, clamped). */
    static RgbImage toRgb(FloatImage image) {
        byte[] out = new byte[3 * image.width() * image.height()];
        copyRgb(image, 0, 0, 0, 0, image.width(), image.height(), out, image.width());
        return new RgbImage(image.width(), image.height(), out);
    }

    /**
     * Copies the rectangle [cx0, cx1) x [cy0, cy1) of an image of {@code w} columns, held by a
     * (3, rh, rw) region of 0..255 values whose top-left pixel is (x0, y0), into that image's
     * interleaved 8-bit RGB (rounded, clamped).
     */
    static void copyRgb(FloatImage region, int x0, int y0, int cx0, int cy0, int cx1, int cy1,
            byte[] pixels, int w) {
        int rw = region.width();
        int plane = rw * region.height();
        float[] d = region.data();
        for (int y = cy0; y < cy1; y++) {
            for (int x = cx0; x < cx1; x++) {
                int r = (y - y0) * rw + (x - x0);
                int o = 3 * (y * w + x);
                for (int c = 0; c < 3; c++) {
                    pixels[o + c] = (byte) Math.max(0, Math.min(255,
                            Math.round(d[c * plane + r])));
                }
            }
        }
    }
}
