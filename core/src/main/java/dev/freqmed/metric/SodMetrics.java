package dev.freqmed.metric;

import dev.freqmed.io.GrayImage;
import dev.freqmed.metric.image.PairwiseSum;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * All PySODMetrics measures of a dataset at once: MAE, S-measure, weighted F-measure, E-measure
 * (adaptive and curve), F-measure (adaptive and precision/recall/F curves) and HCE.
 *
 * <p>Reduction: per image, then {@code MAE, Smeasure, wFmeasure, adpE, adpF, HCE} are arithmetic
 * means over images, the curves are element-wise means of the per-image curves and
 * {@code meanE/maxE/meanF/maxF} are taken on the mean curves (not means of per-image maxima).
 * Empty-mask rules: those of {@link StructureMeasure}, {@link WeightedFMeasure},
 * {@link EnhancedAlignmentMeasure} and {@link FMeasure}. Reference: PySODMetrics
 * (lartpang/PySODMetrics ac5b1fc), each image stepped into {@code MAE, Smeasure,
 * WeightedFmeasure, Emeasure, Fmeasure, HumanCorrectionEffortMeasure} with default arguments.
 */
public final class SodMetrics implements Metric<GrayImage, GrayImage> {

    /** Names of the per-image scalar values, in output order. */
    public static final List<String> SCALARS =
            List.of("MAE", "Smeasure", "wFmeasure", "adpE", "adpF", "HCE");

    private final List<ImageResult> images = new ArrayList<>();

    /**
     * The values of one image.
     *
     * @param mae        mean absolute error
     * @param smeasure   S-measure
     * @param wfmeasure  weighted F-measure
     * @param adpE       adaptive E-measure
     * @param adpF       adaptive F-measure
     * @param hce        human correction effort (a count)
     * @param curveE     E-measure curve, entry i for threshold 255 - i
     * @param precision  precision curve
     * @param recall     recall curve
     * @param curveF     F-measure curve
     */
    public record ImageResult(double mae, double smeasure, double wfmeasure, double adpE,
                              double adpF, double hce, double[] curveE, double[] precision,
                              double[] recall, double[] curveF) {

        /** The values as a result with the same keys as the dataset result. */
        public MetricResult toResult() {
            return new MetricResult().put("MAE", mae).put("Smeasure", smeasure)
                    .put("wFmeasure", wfmeasure).put("adpE", adpE)
                    .put("meanE", PairwiseSum.mean(curveE))
                    .put("maxE", SaliencyMetric.curveMax(curveE)).put("adpF", adpF)
                    .put("meanF", PairwiseSum.mean(curveF))
                    .put("maxF", SaliencyMetric.curveMax(curveF)).put("HCE", hce)
                    .putCurve("curve_E", curveE).putCurve("curve_F", curveF)
                    .putCurve("curve_precision", precision).putCurve("curve_recall", recall);
        }
    }

    /** Computes every measure of one pair. */
    public static ImageResult evaluate(SaliencyPair pair) {
        return evaluate(pair, new Workspace());
    }

    private static ImageResult evaluate(SaliencyPair pair, Workspace ws) {
        int[][] hist = SaliencyMetric.histograms(pair);
        double[][] f = FMeasure.curves(hist, pair.foreground());
        return new ImageResult(MeanAbsoluteError.compute(pair, ws),
                StructureMeasure.compute(pair, ws),
                WeightedFMeasure.compute(pair, ws), EnhancedAlignmentMeasure.adaptive(pair),
                FMeasure.adaptive(pair), HumanCorrectionEffort.compute(pair, ws),
                EnhancedAlignmentMeasure.curve(hist, pair.foreground(), pair.size()),
                f[0], f[1], f[2]);
    }

    /**
     * Evaluates pairs supplied by index in parallel over all cores (each task converts and
     * measures one pair, so memory stays bounded by a few images per core) and keeps the order.
     * The large scratch arrays are reused from image to image: each running task takes a
     * workspace from a pool and returns it, so there are at most as many as tasks run at once.
     *
     * @param count  number of pairs
     * @param source returns pair {@code i}; may throw {@link java.io.UncheckedIOException}
     */
    public static List<ImageResult> evaluateAll(int count,
            java.util.function.IntFunction<SaliencyPair> source) {
        ConcurrentLinkedQueue<Workspace> pool = new ConcurrentLinkedQueue<>();
        return List.copyOf(ParallelImages.map(count, i -> {
            SaliencyPair pair = source.apply(i);
            Workspace ws = pool.poll();
            if (ws == null) {
                ws = new Workspace();
            }
            try {
                return evaluate(pair, ws);
            } finally {
                pool.add(ws);
            }
        }));
    }

    @Override
    public void update(GrayImage prediction, GrayImage truth) {
        images.add(evaluate(SaliencyPair.of(prediction, truth)));
    }

    /** Adds an already computed image result. */
    public void add(ImageResult image) {
        images.add(image);
    }

    /** The per-image results in the order they were added. */
    public List<ImageResult> images() {
        return List.copyOf(images);
    }

    @Override
    public MetricResult result() {
        int n = images.size();
        double[][] s = new double[6][n];
        List<double[]> e = new ArrayList<>(n);
        List<double[]> f = new ArrayList<>(n);
        List<double[]> p = new ArrayList<>(n);
        List<double[]> r = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ImageResult im = images.get(i);
            s[0][i] = im.mae();
            s[1][i] = im.smeasure();
            s[2][i] = im.wfmeasure();
            s[3][i] = im.adpE();
            s[4][i] = im.adpF();
            s[5][i] = im.hce();
            e.add(im.curveE());
            f.add(im.curveF());
            p.add(im.precision());
            r.add(im.recall());
        }
        double[] curveE = SaliencyMetric.meanRows(e, 0, 256);
        double[] curveF = SaliencyMetric.meanRows(f, 0, 256);
        return new MetricResult().put("MAE", mean(s[0])).put("Smeasure", mean(s[1]))
                .put("wFmeasure", mean(s[2])).put("adpE", mean(s[3]))
                .put("meanE", PairwiseSum.mean(curveE)).put("maxE", SaliencyMetric.curveMax(curveE))
                .put("adpF", mean(s[4])).put("meanF", PairwiseSum.mean(curveF))
                .put("maxF", SaliencyMetric.curveMax(curveF)).put("HCE", mean(s[5]))
                .putCurve("curve_E", curveE).putCurve("curve_F", curveF)
                .putCurve("curve_precision", SaliencyMetric.meanRows(p, 0, 256))
                .putCurve("curve_recall", SaliencyMetric.meanRows(r, 0, 256));
    }

    private static double mean(double[] v) {
        return v.length == 0 ? Double.NaN : PairwiseSum.mean(v);
    }

    @Override
    public void reset() {
        images.clear();
    }
}
