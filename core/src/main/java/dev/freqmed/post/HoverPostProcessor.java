package dev.freqmed.post;

import dev.freqmed.metric.OpenCvLoader;
import java.util.concurrent.CompletableFuture;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Turns nucleus-pixel probabilities (NP), horizontal/vertical distance maps (HV) and type
 * probabilities (NC) into typed nucleus instances with HoVer-Net's marker-controlled watershed,
 * one public function per step (as MONAI splits it): {@link #watershedMask}, {@link #edges},
 * {@link #distance}, {@link #markers}, {@link #watershed}, {@link #typeVote}.
 *
 * <p>Steps (spec fpnunet §7.2; reference: vqdang/hover_net {@code models/hovernet/post_proc.py}
 * {@code __proc_np_hv} and {@code process}):
 * <ol>
 *   <li>mask B: NP &ge; threshold, 4-connected components, components below the minimum size
 *       dropped;
 *   <li>each HV channel min-max normalised to [0, 1] (float32), Sobel derivative of size 21
 *       (float64) along the direction the channel varies, itself min-max normalised and inverted;
 *       the edge map E is the larger of the two, minus (1 - B), clipped at 0;
 *   <li>distance: -GaussianBlur<sub>3x3</sub>((1 - E) B);
 *   <li>markers: B minus [E &ge; 0.4], holes filled, opened with a 5x5 ellipse, 4-connected
 *       components, small ones dropped;
 *   <li>(optional, not HoVer-Net's, off by default) with {@link Settings#boundaryThreshold()}
 *       set, the markers are cut along the boundary branch's map instead of E, and the
 *       distance is computed from the larger of E and that map ({@link #boundaryEdges});
 *   <li>watershed of the distance from the markers inside B ({@link MarkerWatershed});
 *   <li>per instance the most frequent argmax type, the second most frequent when the first is
 *       background; probability = its pixel count / area.
 * </ol>
 * OpenCV supplies normalisation, Sobel, blur and morphology with the reference's kernels and
 * border rules; labelling, hole filling and the watershed are {@link Labeling} and
 * {@link MarkerWatershed}, equal to scipy's and scikit-image's. The instances equal those of the
 * reference procedure (OpenCV 4.6, scipy 1.10, scikit-image 0.19) pixel for pixel on the 16
 * CoNSeP tiles of the tests and on the benchmark's 1000x1000 tile; no difference is known.
 *
 * <p>Fed ground-truth maps (NP = the nucleus mask, HV = {@link HvTargets}), the procedure does not
 * recover every instance: FPNuNet's targets ramp along rows around the column centroid (and the
 * reverse), so touching nuclei often show no HV edge between them and merge (mean AJI 0.820 over
 * those 16 tiles, the same in the reference; HoVer-Net's own targets give 0.906).
 *
 * <p>The two Sobel channels, then the distance and the markers, then the watershed and the
 * per-pixel type argmax are computed concurrently (on the common fork-join pool); the result
 * does not depend on it.
 */
public final class HoverPostProcessor {

    /**
     * Which derivative each HV channel gets.
     */
    public enum Directions {
        /**
         * FPNuNet's targets ({@link HvTargets}): channel 0 varies along rows, so it gets the
         * vertical Sobel derivative and channel 1 the horizontal one (spec §7.2 step 3).
         */
        FPNUNET,
        /** HoVer-Net's targets: channel 0 varies along columns (d/dx), channel 1 along rows. */
        HOVERNET
    }

    /**
     * Post-processing parameters.
     *
     * @param foregroundThreshold NP probability at or above which a pixel is nucleus (0.5)
     * @param minObjectSize       smallest foreground component kept, pixels (10)
     * @param sobelKernel         Sobel aperture, odd, 1..31 (21)
     * @param edgeThreshold       edge value at or above which a pixel separates markers (0.4)
     * @param markerKernel        diameter of the elliptical opening of the markers (5)
     * @param minMarkerSize       smallest marker kept, pixels (10)
     * @param directions          HV channel convention ({@link Directions#FPNUNET})
     * @param boundaryThreshold   0: markers cut along the HV edges (HoVer-Net); t in (0, 1]:
     *                            markers cut along the pixels whose predicted boundary
     *                            probability is at least t instead, and the watershed's
     *                            distance rises on both (FPNuNet's HV targets leave touching
     *                            nuclei without an edge between them; its boundary branch
     *                            draws every contour)
     */
    public record Settings(double foregroundThreshold, int minObjectSize, int sobelKernel,
            double edgeThreshold, int markerKernel, int minMarkerSize, Directions directions,
            double boundaryThreshold) {

        /** Validates every field. */
        public Settings {
            if (directions == null) {
                directions = Directions.FPNUNET;
            }
            if (!(foregroundThreshold > 0 && foregroundThreshold < 1)) {
                throw new IllegalArgumentException("foregroundThreshold must be in (0, 1), found "
                        + foregroundThreshold);
            }
            if (minObjectSize < 0 || minMarkerSize < 0) {
                throw new IllegalArgumentException("minimum sizes must be >= 0, found "
                        + minObjectSize + " and " + minMarkerSize);
            }
            if (sobelKernel < 1 || sobelKernel > 31 || sobelKernel % 2 == 0) {
                throw new IllegalArgumentException("sobelKernel must be odd in [1, 31], found "
                        + sobelKernel);
            }
            if (!(edgeThreshold > 0 && edgeThreshold < 1)) {
                throw new IllegalArgumentException("edgeThreshold must be in (0, 1), found "
                        + edgeThreshold);
            }
            if (markerKernel < 1) {
                throw new IllegalArgumentException("markerKernel must be >= 1, found "
                        + markerKernel);
            }
            if (!(boundaryThreshold >= 0 && boundaryThreshold <= 1)) {
                throw new IllegalArgumentException("boundaryThreshold must be in [0, 1] (0 = not"
                        + " used), found " + boundaryThreshold);
            }
        }

        /** The spec's defaults (HoVer-Net's values) with FPNuNet's channel convention. */
        public static Settings defaults() {
            return new Settings(0.5, 10, 21, 0.4, 5, 10, Directions.FPNUNET, 0);
        }

        /** The same settings with another channel convention. */
        public Settings withDirections(Directions d) {
            return new Settings(foregroundThreshold, minObjectSize, sobelKernel, edgeThreshold,
                    markerKernel, minMarkerSize, d, boundaryThreshold);
        }

        /** The same settings with another boundary threshold (0 = not used). */
        public Settings withBoundaryThreshold(double t) {
            return new Settings(foregroundThreshold, minObjectSize, sobelKernel, edgeThreshold,
                    markerKernel, minMarkerSize, directions, t);
        }
    }

    private final Settings settings;

    /** A post-processor with the given settings. */
    public HoverPostProcessor(Settings settings) {
        this.settings = settings;
    }

    /** A post-processor with {@link Settings#defaults()}. */
    public HoverPostProcessor() {
        this(Settings.defaults());
    }

    /** The settings in use. */
    public Settings settings() {
        return settings;
    }

    /**
     * Runs every step.
     *
     * @param foreground        NP nucleus probability, {@code height * width} row-major
     * @param hvH               HV channel 0 (raw network output, any range)
     * @param hvV               HV channel 1
     * @param typeProbabilities {@code [K][height * width]} type probabilities (channel 0 =
     *                          background), or null for untyped instances
     * @return instances numbered 1..count in raster order of their markers
     * @throws IllegalArgumentException if a map has the wrong size
     */
    public NucleusInstances process(float[] foreground, float[] hvH, float[] hvV,
            float[][] typeProbabilities, int height, int width) {
        return process(foreground, hvH, hvV, null, typeProbabilities, height, width);
    }

    /**
     * Runs every step, with the boundary branch's probabilities taken out of the markers when
     * {@link Settings#boundaryThreshold()} is set.
     *
     * @param boundary boundary probability, {@code height * width}, or null (then the threshold
     *                 is not applied)
     * @see #process(float[], float[], float[], float[][], int, int)
     */
    public NucleusInstances process(float[] foreground, float[] hvH, float[] hvV,
            float[] boundary, float[][] typeProbabilities, int height, int width) {
        checkSize("foreground", foreground.length, height, width);
        checkSize("hvH", hvH.length, height, width);
        checkSize("hvV", hvV.length, height, width);
        if (typeProbabilities != null) {
            checkTypes(typeProbabilities, height, width);
        }
        int[] mask = watershedMask(foreground, height, width, settings.foregroundThreshold(),
                settings.minObjectSize());
        double[] hvEdges = edges(hvH, hvV, mask, height, width, settings.sobelKernel(),
                settings.directions());
        boolean cut = boundary != null && settings.boundaryThreshold() > 0;
        if (cut) {
            checkSize("boundary", boundary.length, height, width);
        }
        double[] cuts = cut ? boundaryEdges(boundary, mask, settings.boundaryThreshold()) : null;
        double[] e = cut ? max(hvEdges, cuts) : hvEdges;
        double[] markerEdges = cut ? cuts : hvEdges;
        // Distance and markers both read only E and B: the distance runs on another core.
        CompletableFuture<double[]> dist = CompletableFuture.supplyAsync(
                () -> distance(e, mask, height, width));
        int[] seeds = markers(markerEdges, mask, height, width, settings.edgeThreshold(),
                settings.markerKernel(), settings.minMarkerSize());
        double[] landscape = dist.join();
        // The per-pixel argmax of the types does not depend on the labels: it runs on another
        // core while this one floods.
        CompletableFuture<byte[]> argmax = typeProbabilities == null ? null
                : CompletableFuture.supplyAsync(() -> argmaxTypes(typeProbabilities, height,
                        width));
        int[] labels = watershed(landscape, seeds, mask, height, width);
        return vote(labels, argmax == null ? null : argmax.join(),
                typeProbabilities == null ? 0 : typeProbabilities.length, height, width);
    }

    /**
     * Step 1: the foreground mask B.
     *
     * @return 1 on kept nucleus pixels, else 0
     */
    public static int[] watershedMask(float[] foreground, int height, int width,
            double threshold, int minObjectSize) {
        checkSize("foreground", foreground.length, height, width);
        int[] b = new int[foreground.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = foreground[i] >= threshold ? 1 : 0;
        }
        int[] labels = Labeling.removeSmall(Labeling.label4(b, height, width), minObjectSize);
        for (int i = 0; i < b.length; i++) {
            b[i] = labels[i] > 0 ? 1 : 0;
        }
        return b;
    }

    /**
     * Step 2: the edge map E in [0, 1], 0 outside the mask.
     *
     * @param sobelKernel Sobel aperture (odd, at most 31)
     */
    public static double[] edges(float[] hvH, float[] hvV, int[] mask, int height, int width,
            int sobelKernel, Directions directions) {
        OpenCvLoader.load();
        boolean fpnunet = directions == Directions.FPNUNET;
        // FPNuNet: channel 0 ramps along rows -> d/dy; HoVer-Net: channel 0 ramps along columns.
        // The two channels are independent: the second runs on another core meanwhile.
        CompletableFuture<float[]> second = CompletableFuture.supplyAsync(() -> invertedSobel(
                hvV, height, width, sobelKernel, fpnunet ? 1 : 0, fpnunet ? 0 : 1));
        float[] s0 = invertedSobel(hvH, height, width, sobelKernel, fpnunet ? 0 : 1,
                fpnunet ? 1 : 0);
        float[] s1 = second.join();
        double[] e = new double[s0.length];
        for (int i = 0; i < e.length; i++) {
            // float32 maximum, then float64 as numpy promotes when subtracting the int mask.
            double v = (double) Math.max(s0[i], s1[i]) - (1 - mask[i]);
            e[i] = v < 0 ? 0 : v;
        }
        return e;
    }

    /** 1 - minmax01(Sobel(minmax01(channel))), float32 like the reference. */
    private static float[] invertedSobel(float[] channel, int height, int width, int ksize,
            int dx, int dy) {
        Mat src = new Mat(height, width, CvType.CV_32F);
        Mat norm = new Mat();
        Mat sobel = new Mat();
        Mat sobelNorm = new Mat();
        try {
            src.put(0, 0, channel);
            Core.normalize(src, norm, 0, 1, Core.NORM_MINMAX, CvType.CV_32F);
            Imgproc.Sobel(norm, sobel, CvType.CV_64F, dx, dy, ksize);
            Core.normalize(sobel, sobelNorm, 0, 1, Core.NORM_MINMAX, CvType.CV_32F);
            float[] out = new float[height * width];
            sobelNorm.get(0, 0, out);
            for (int i = 0; i < out.length; i++) {
                out[i] = 1f - out[i];
            }
            return out;
        } finally {
            src.release();
            norm.release();
            sobel.release();
            sobelNorm.release();
        }
    }

    /** Step 3: the flooding landscape, -GaussianBlur<sub>3x3, sigma 0.8</sub>((1 - E) B). */
    public static double[] distance(double[] edges, int[] mask, int height, int width) {
        OpenCvLoader.load();
        double[] d = new double[edges.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (1.0 - edges[i]) * mask[i];
        }
        Mat src = new Mat(height, width, CvType.CV_64F);
        Mat dst = new Mat();
        try {
            src.put(0, 0, d);
            Imgproc.GaussianBlur(src, dst, new Size(3, 3), 0);
            dst.get(0, 0, d);
        } finally {
            src.release();
            dst.release();
        }
        for (int i = 0; i < d.length; i++) {
            d[i] = -d[i];
        }
        return d;
    }

    /**
     * Step 4: marker labels (4-connected, raster order, small ones removed, ids not
     * renumbered).
     */
    public static int[] markers(double[] edges, int[] mask, int height, int width,
            double edgeThreshold, int markerKernel, int minMarkerSize) {
        OpenCvLoader.load();
        int[] m = new int[mask.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = Math.max(0, mask[i] - (edges[i] >= edgeThreshold ? 1 : 0));
        }
        int[] filled = Labeling.fillHoles(m, height, width);
        byte[] bytes = new byte[filled.length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) filled[i];
        }
        Mat src = new Mat(height, width, CvType.CV_8U);
        Mat dst = new Mat();
        Mat kernel = Imgproc.getStructuringElement(Imgproc.MORPH_ELLIPSE,
                new Size(markerKernel, markerKernel));
        try {
            src.put(0, 0, bytes);
            Imgproc.morphologyEx(src, dst, Imgproc.MORPH_OPEN, kernel);
            dst.get(0, 0, bytes);
        } finally {
            src.release();
            dst.release();
            kernel.release();
        }
        for (int i = 0; i < m.length; i++) {
            m[i] = bytes[i] != 0 ? 1 : 0;
        }
        return Labeling.removeSmall(Labeling.label4(m, height, width), minMarkerSize);
    }

    /**
     * Step 2b (optional, not HoVer-Net's): 1 on the mask pixels whose boundary probability
     * reaches {@code boundaryThreshold}, else 0. With it, step 4 cuts the markers along the
     * predicted boundaries instead of the HV edges, and the distance of step 3 is computed from
     * the larger of the two edge maps, so that the watershed lines follow both.
     */
    public static double[] boundaryEdges(float[] boundary, int[] mask, double boundaryThreshold) {
        double[] out = new double[boundary.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = mask[i] != 0 && boundary[i] >= boundaryThreshold ? 1 : 0;
        }
        return out;
    }

    private static double[] max(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(a[i], b[i]);
        }
        return out;
    }

    /** Step 5: marker-controlled watershed of the distance inside the mask. */
    public static int[] watershed(double[] distance, int[] markers, int[] mask, int height,
            int width) {
        return MarkerWatershed.flood(distance, markers, mask, height, width);
    }

    /**
     * Step 6: renumbers the labels 1..count (increasing old label) and votes a type per
     * instance on the argmax of the type probabilities: the most frequent value (ties: lower
     * type), the second most frequent when the first is background; probability = its count /
     * (area + 1e-6), as HoVer-Net's {@code process}.
     *
     * @param typeProbabilities {@code [K][height * width]}, or null for type 0 everywhere
     */
    public static NucleusInstances typeVote(int[] labels, float[][] typeProbabilities,
            int height, int width) {
        checkSize("labels", labels.length, height, width);
        byte[] argmax = typeProbabilities == null ? null
                : argmaxTypes(typeProbabilities, height, width);
        return vote(labels, argmax, argmax == null ? 0 : typeProbabilities.length, height, width);
    }

    /** Per pixel, the channel of the largest type probability (the first on a tie; NaN wins). */
    private static byte[] argmaxTypes(float[][] typeProbabilities, int height, int width) {
        checkTypes(typeProbabilities, height, width);
        int k = typeProbabilities.length;
        int n = height * width;
        byte[] best = new byte[n];
        float[] bv = typeProbabilities[0].clone();
        for (int c = 1; c < k; c++) {
            float[] p = typeProbabilities[c];
            for (int i = 0; i < n; i++) {
                float v = p[i];
                if (v > bv[i] || (Float.isNaN(v) && !Float.isNaN(bv[i]))) {
                    best[i] = (byte) c;
                    bv[i] = v;
                }
            }
        }
        return best;
    }

    /** Renumbering, areas, centroids and the type vote over a per-pixel argmax (or none). */
    private static NucleusInstances vote(int[] labels, byte[] argmax, int k, int height,
            int width) {
        int max = 0;
        for (int v : labels) {
            max = Math.max(max, v);
        }
        int[] remap = new int[max + 1];
        for (int v : labels) {
            remap[v] = 1;
        }
        int count = 0;
        for (int v = 1; v <= max; v++) {
            remap[v] = remap[v] != 0 ? ++count : 0;
        }
        remap[0] = 0;
        int[] inst = new int[labels.length];
        int[] area = new int[count];
        double[] sx = new double[count];
        double[] sy = new double[count];
        for (int i = 0; i < labels.length; i++) {
            int id = remap[labels[i]];
            inst[i] = id;
            if (id > 0) {
                area[id - 1]++;
                sx[id - 1] += i % width;
                sy[id - 1] += i / width;
            }
        }
        int[] type = new int[count];
        float[] prob = new float[count];
        if (argmax != null) {
            int[][] hist = new int[count][k];
            for (int i = 0; i < labels.length; i++) {
                int id = inst[i];
                if (id != 0) {
                    hist[id - 1][argmax[i]]++;
                }
            }
            for (int j = 0; j < count; j++) {
                int first = -1;
                int second = -1;
                for (int c = 0; c < k; c++) {
                    int n = hist[j][c];
                    if (n == 0) {
                        continue;
                    }
                    if (first < 0 || n > hist[j][first]) {
                        second = first;
                        first = c;
                    } else if (second < 0 || n > hist[j][second]) {
                        second = c;
                    }
                }
                int t = first == 0 && second >= 0 ? second : first;
                type[j] = t;
                // HoVer-Net's process(): count / (area + 1e-6) (spec §7.2 writes count / area).
                prob[j] = (float) (hist[j][t] / (area[j] + 1.0e-6));
            }
        }
        double[] cx = new double[count];
        double[] cy = new double[count];
        for (int j = 0; j < count; j++) {
            cx[j] = sx[j] / area[j];
            cy[j] = sy[j] / area[j];
        }
        return new NucleusInstances(inst, height, width, count, type, prob, cx, cy, area);
    }

    private static void checkTypes(float[][] typeProbabilities, int height, int width) {
        int k = typeProbabilities.length;
        if (k == 0) {
            throw new IllegalArgumentException("typeProbabilities has no channel");
        }
        if (k > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("at most " + Byte.MAX_VALUE
                    + " type channels, found " + k);
        }
        for (int c = 0; c < k; c++) {
            checkSize("typeProbabilities[" + c + "]", typeProbabilities[c].length, height, width);
        }
    }

    private static void checkSize(String name, int length, int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("size must be positive, found " + height + "x"
                    + width);
        }
        if (length != height * width) {
            throw new IllegalArgumentException(name + " must hold " + height * width
                    + " values for " + height + "x" + width + ", found " + length);
        }
    }
}
