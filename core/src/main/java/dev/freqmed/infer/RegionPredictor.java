package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;
import dev.freqmed.io.ImageRegionReader;
import dev.freqmed.io.RgbImage;
import java.io.IOException;

/**
 * Instance prediction of an image too large to hold its network maps whole, one region at a
 * time, so that memory follows the region and not the image.
 *
 * <p>The image is cut into a grid of square cores of {@code region} pixels. Each core is read
 * with {@code margin} pixels of context on every side (clipped at the image's edges) and
 * predicted on its own: windows, stitched maps and the whole post-processing. Of the objects
 * found in a region, those whose centroid lies in its core are kept; the cores tile the image,
 * so an object is kept by exactly one region, the one that saw it with the most context. A kept
 * object whose pixels are mostly (more than half) taken already by an object of a neighbouring
 * region is the same nucleus seen twice and is dropped; otherwise it takes the pixels still
 * free. With a margin wider than the largest object plus the reach of the post-processing's
 * filters, a region's objects are the ones a whole-image pass finds (tested).
 *
 * <p>Memory: the network maps and post-processing of one region (about 175 bytes per pixel for
 * FPNuNet) plus 11 bytes per image pixel for the labels, the classes and the 8-bit pixels that
 * the overlay and the stain measures need; the image is read region by region
 * ({@link ImageRegionReader}) and never held whole as floats.
 */
public final class RegionPredictor {

    /** Predicts one region: a (3, H, W) image in 0..255 to a post-processed prediction. */
    @FunctionalInterface
    public interface RegionModel {
        /**
         * @param region the region's pixels
         * @return its prediction, holding {@link PredictionOutput#INSTANCES}
         */
        Prediction run(FloatImage region);
    }

    /** Where the pixels come from. */
    public interface PixelSource {
        /** @return the image's width */
        int width();

        /** @return the image's height */
        int height();

        /**
         * @return the (3, h, w) rectangle at (x, y), values 0..255
         * @throws IOException when it cannot be read
         */
        FloatImage read(int x, int y, int w, int h) throws IOException;

        /** An image file read region by region. */
        static PixelSource of(ImageRegionReader reader) {
            return new PixelSource() {
                @Override
                public int width() {
                    return reader.width();
                }

                @Override
                public int height() {
                    return reader.height();
                }

                @Override
                public FloatImage read(int x, int y, int w, int h) throws IOException {
                    return FloatImage.fromRgb(reader.read(x, y, w, h));
                }
            };
        }

        /** An image already in memory. */
        static PixelSource of(FloatImage image) {
            return new PixelSource() {
                @Override
                public int width() {
                    return image.width();
                }

                @Override
                public int height() {
                    return image.height();
                }

                @Override
                public FloatImage read(int x, int y, int w, int h) {
                    int c = image.channels();
                    float[] out = new float[c * h * w];
                    for (int k = 0; k < c; k++) {
                        for (int r = 0; r < h; r++) {
                            System.arraycopy(image.data(), (k * image.height() + y + r)
                                    * image.width() + x, out, (k * h + r) * w, w);
                        }
                    }
                    return new FloatImage(c, h, w, out);
                }
            };
        }
    }

    /** Told after each region. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param done    regions finished
         * @param total   regions in the image
         * @param objects objects kept so far
         */
        void region(int done, int total, int objects);

        /**
         * Told once before the first region of a file ({@link #runFile}).
         *
         * @param width   the image's width
         * @param height  the image's height
         * @param regions the regions it takes
         */
        default void start(int width, int height, int regions) {
        }
    }

    private final RegionModel model;
    private final int region;
    private final int margin;

    /**
     * @param model  predicts one region
     * @param region side of a core in pixels (positive)
     * @param margin context read around each core (0 or more)
     */
    public RegionPredictor(RegionModel model, int region, int margin) {
        if (region <= 0 || margin < 0) {
            throw new IllegalArgumentException("region must be positive and margin at least 0,"
                    + " found region " + region + ", margin " + margin);
        }
        this.model = model;
        this.region = region;
        this.margin = margin;
    }

    /** The number of regions an image of this size takes. */
    public int regions(int width, int height) {
        return ceilDiv(width, region) * ceilDiv(height, region);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * Predicts an image file region by region, reading one region at a time, when it is wider or
     * taller than a region; a smaller image is left to a whole-image pass.
     *
     * @param image    the image file (a TIFF decodes only the strips or tiles a region touches)
     * @param listener told of the start and after each region (may be null)
     * @return the labels as {@link #run}, or null when the image fits one region (nothing done)
     * @throws IOException when the file cannot be read
     */
    public InstanceLabels runFile(java.nio.file.Path image, Listener listener)
            throws IOException {
        try (ImageRegionReader reader = new ImageRegionReader(image)) {
            int w = reader.width();
            int h = reader.height();
            if (w <= region && h <= region) {
                return null;
            }
            if (listener != null) {
                listener.start(w, h, regions(w, h));
            }
            return run(PixelSource.of(reader), listener);
        }
    }

    /**
     * Predicts the whole image region by region.
     *
     * @param source   the image
     * @param listener told after each region (may be null)
     * @return the labels (ids 1..count in the order the objects were kept) and, when the model
     *         predicts classes, each object's class on its pixels
     * @throws IOException when a region cannot be read
     */
    public InstanceLabels run(PixelSource source, Listener listener) throws IOException {
        int w = source.width();
        int h = source.height();
        if (3L * w * h > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image of " + w + "x" + h + " pixels: at most "
                    + (Integer.MAX_VALUE - 8) / 3 + " pixels (about 26,700 x 26,700) fit one"
                    + " label map; predict a slide in parts");
        }
        int[] labels = new int[w * h];
        int[] types = null;
        byte[] pixels = new byte[3 * w * h];
        float[] probability = new float[1024];
        boolean probabilities = false;
        int count = 0;
        int nx = ceilDiv(w, region);
        int ny = ceilDiv(h, region);
        int done = 0;
        for (int ry = 0; ry < ny; ry++) {
            for (int rx = 0; rx < nx; rx++) {
                int cx0 = rx * region;
                int cy0 = ry * region;
                int cx1 = Math.min(w, cx0 + region);
                int cy1 = Math.min(h, cy0 + region);
                int x0 = Math.max(0, cx0 - margin);
                int y0 = Math.max(0, cy0 - margin);
                int x1 = Math.min(w, cx1 + margin);
                int y1 = Math.min(h, cy1 + margin);
                int rw = x1 - x0;
                int rh = y1 - y0;
                FloatImage img = source.read(x0, y0, rw, rh);
                InstanceLabels.copyRgb(img, x0, y0, cx0, cy0, cx1, cy1, pixels, w);
                Prediction p = model.run(img);
                FloatImage inst = p.get(PredictionOutput.INSTANCES);
                FloatImage cls = p.arrays().get(PredictionOutput.TYPES);
                FloatImage prob = p.arrays().get(PredictionOutput.TYPE_PROBABILITY);
                probabilities |= prob != null;
                if (inst.width() != rw || inst.height() != rh) {
                    throw new IllegalStateException("the prediction of a " + rw + "x" + rh
                            + " region is " + inst.width() + "x" + inst.height());
                }
                if (cls != null && types == null) {
                    types = new int[w * h];
                }
                int local = 0;
                for (float v : inst.data()) {
                    local = Math.max(local, (int) v);
                }
                long[] area = new long[local + 1];
                double[] sx = new double[local + 1];
                double[] sy = new double[local + 1];
                long[] taken = new long[local + 1];
                for (int y = 0; y < rh; y++) {
                    for (int x = 0; x < rw; x++) {
                        int id = (int) inst.data()[y * rw + x];
                        if (id > 0) {
                            area[id]++;
                            sx[id] += x0 + x;
                            sy[id] += y0 + y;
                            if (labels[(y0 + y) * w + x0 + x] != 0) {
                                taken[id]++;
                            }
                        }
                    }
                }
                int[] global = new int[local + 1];
                for (int id = 1; id <= local; id++) {
                    if (area[id] == 0) {
                        continue;
                    }
                    double cx = sx[id] / area[id];
                    double cy = sy[id] / area[id];
                    boolean inCore = cx >= cx0 && cx < cx1 && cy >= cy0 && cy < cy1;
                    if (inCore && 2 * taken[id] <= area[id]) {
                        global[id] = ++count;
                    }
                }
                for (int y = 0; y < rh; y++) {
                    for (int x = 0; x < rw; x++) {
                        int id = (int) inst.data()[y * rw + x];
                        int g = y0 + y;
                        int gi = g * w + x0 + x;
                        if (id > 0 && global[id] > 0 && labels[gi] == 0) {
                            labels[gi] = global[id];
                            if (prob != null) {
                                if (global[id] > probability.length) {
                                    probability = java.util.Arrays.copyOf(probability,
                                            Math.max(global[id], 2 * probability.length));
                                }
                                probability[global[id] - 1] = prob.data()[y * rw + x];
                            }
                            if (types != null) {
                                types[gi] = Math.max(0, Math.min(255,
                                        Math.round(cls.data()[y * rw + x])));
                            }
                        }
                    }
                }
                done++;
                if (listener != null) {
                    listener.region(done, nx * ny, count);
                }
            }
        }
        return new InstanceLabels(w, h, labels, types, count,
                probabilities ? java.util.Arrays.copyOf(probability, count) : null,
                new RgbImage(w, h, pixels));
    }
}
