package dev.freqmed.metric;

import dev.freqmed.io.GrayImage;
import dev.freqmed.metric.image.PairwiseSum;
import java.util.Arrays;
import java.util.function.IntPredicate;
import java.util.List;

/**
 * FRCU-Net's binary segmentation metrics: a pooled confusion matrix over every pixel of every
 * image (accuracy, specificity, sensitivity, precision, F1, Jaccard, ROC AUC of the binarised
 * scores) plus the per-image Dice and IoU and their means. Allocation-light, so the trainer can
 * use it for validation.
 *
 * <p>Binarisation: a prediction is positive when its value, scaled to [0, 1], is greater than the
 * threshold (default 0.5, i.e. bytes &gt;= 128). A ground-truth mask image
 * ({@link #update(GrayImage, GrayImage)}) is positive wherever it is non-zero: the reference
 * compares the stored mask values, never divided by 255, with 0.5 ({@code y_true > 0.5}), and
 * masks stored 0/255 and 0/1 must score alike. {@link #updateScaled} compares a scaled (possibly
 * soft) truth with 0.5 instead. Reduction: the pooled values come from the summed confusion
 * counts (all pixels of all images concatenated); {@code mean_image_dice}/{@code mean_image_iou}
 * are arithmetic means of per-image values. Empty rules: each ratio is 0 when its denominator is 0
 * (scikit-learn 1.2 zero-division default); per-image Dice/IoU of an image without positives on
 * either side are 0; {@code auc_roc} is NaN when the truth holds only one class (scikit-learn
 * raises there). The legacy "jaccard" printed by the reference script is
 * {@code jaccard_similarity_score}, which for binary labels equals the accuracy: it is reported as
 * {@code jaccard_similarity_score_legacy}, the true IoU as {@code jaccard_score}.
 *
 * <p>Reference: rezazad68/FRCU-Net a184245 {@code Evaluate_Skin.py} (scikit-learn 1.2.1 calls on
 * the pooled vectors).
 */
public final class BinarySegmentationMetrics implements Metric<GrayImage, GrayImage> {

    /** The reference threshold on scaled prediction values. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    private final double threshold;
    private long tn;
    private long fp;
    private long fn;
    private long tp;
    private double[] dice = new double[16];
    private double[] iou = new double[16];
    private int images;

    /** With the reference threshold 0.5. */
    public BinarySegmentationMetrics() {
        this(DEFAULT_THRESHOLD);
    }

    /**
     * @param threshold a scaled prediction value above which a pixel is positive, in [0, 1)
     */
    public BinarySegmentationMetrics(double threshold) {
        if (!(threshold >= 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1), found " + threshold);
        }
        this.threshold = threshold;
    }

    /** The threshold on scaled prediction values. */
    public double threshold() {
        return threshold;
    }

    /**
     * Adds one image: a prediction map or mask against a ground-truth mask, positive wherever the
     * mask is non-zero (0/255, 0/65535 and 0/1 masks alike).
     *
     * @throws IllegalArgumentException if the sizes differ
     */
    @Override
    public void update(GrayImage prediction, GrayImage truth) {
        if (prediction.width() != truth.width() || prediction.height() != truth.height()) {
            throw new IllegalArgumentException("prediction is " + prediction.width() + "x"
                    + prediction.height() + " but ground truth is " + truth.width() + "x"
                    + truth.height());
        }
        int[] pred = prediction.data();
        int[] mask = truth.data();
        double predMax = (1 << prediction.bitDepth()) - 1;
        count(pred.length, k -> pred[k] / predMax > threshold, k -> mask[k] != 0);
    }

    /**
     * Adds one image of integer samples, the truth binarised at half its scale (for soft truth;
     * mask images go through {@link #update(GrayImage, GrayImage)}).
     *
     * @param pred     prediction samples (0..predMax)
     * @param predMax  the sample value that means 1 (255 for 8-bit)
     * @param truth    truth samples (0..truthMax)
     * @param truthMax the sample value that means 1
     */
    public void updateScaled(int[] pred, int predMax, int[] truth, int truthMax) {
        check(pred.length, truth.length);
        count(pred.length, k -> pred[k] / (double) predMax > threshold,
                k -> truth[k] / (double) truthMax > 0.5);
    }

    /**
     * Adds one image of probabilities against a 0/1 truth (the trainer's path).
     *
     * @param probability predicted foreground probabilities
     * @param truth       0 or 1 per pixel (any non-zero value counts as 1)
     */
    public void update(float[] probability, int[] truth) {
        check(probability.length, truth.length);
        count(probability.length, k -> probability[k] > threshold, k -> truth[k] != 0);
    }

    /**
     * Adds one image of hard 0/1 labels.
     *
     * @param pred  0 or 1 per pixel (any non-zero value counts as 1)
     * @param truth 0 or 1 per pixel
     */
    public void updateLabels(int[] pred, int[] truth) {
        check(pred.length, truth.length);
        count(pred.length, k -> pred[k] != 0, k -> truth[k] != 0);
    }

    /** Counts one image's confusion cells from per-pixel predicates and adds them. */
    private void count(int pixels, IntPredicate predicted, IntPredicate positive) {
        long itp = 0;
        long ifp = 0;
        long ifn = 0;
        for (int i = 0; i < pixels; i++) {
            boolean p = predicted.test(i);
            boolean t = positive.test(i);
            if (p) {
                if (t) {
                    itp++;
                } else {
                    ifp++;
                }
            } else if (t) {
                ifn++;
            }
        }
        add(itp, ifp, ifn, pixels);
    }

    private static void check(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("prediction has " + a + " pixels but truth has "
                    + b);
        }
    }

    /** Adds the confusion counts of one image (synchronise externally for concurrent use). */
    public void add(long itp, long ifp, long ifn, long pixels) {
        tp += itp;
        fp += ifp;
        fn += ifn;
        tn += pixels - itp - ifp - ifn;
        if (images == dice.length) {
            dice = Arrays.copyOf(dice, images * 2);
            iou = Arrays.copyOf(iou, images * 2);
        }
        double p = ratio(itp, itp + ifp);
        double r = ratio(itp, itp + ifn);
        dice[images] = fScore(p, r);
        iou[images] = ratio(itp, itp + ifp + ifn);
        images++;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0.0 : (double) a / b;
    }

    /** scikit-learn 1.2 F1 from precision and recall. */
    private static double fScore(double p, double r) {
        double denom = p + r;
        if (denom == 0) {
            denom = 1;
        }
        return 2 * p * r / denom;
    }

    /** Adds everything another accumulator holds (its images come after this one's). */
    public void merge(BinarySegmentationMetrics other) {
        tp += other.tp;
        fp += other.fp;
        fn += other.fn;
        tn += other.tn;
        for (int i = 0; i < other.images; i++) {
            if (images == dice.length) {
                dice = Arrays.copyOf(dice, images * 2);
                iou = Arrays.copyOf(iou, images * 2);
            }
            dice[images] = other.dice[i];
            iou[images] = other.iou[i];
            images++;
        }
    }

    /** Number of images added. */
    public int images() {
        return images;
    }

    @Override
    public MetricResult result() {
        long all = tn + fp + fn + tp;
        double accuracy = ratio(tn + tp, all);
        double specificity = ratio(tn, tn + fp);
        double sensitivity = ratio(tp, tp + fn);
        double precision = ratio(tp, tp + fp);
        double auc = Double.NaN;
        if (tp + fn > 0 && tn + fp > 0) {
            // trapezoid over the ROC points (0,0), (fpr,tpr), (1,1), as numpy.trapz
            double fpr = (double) fp / (fp + tn);
            double tpr = (double) tp / (tp + fn);
            auc = 0.0 + fpr * (tpr + 0) / 2.0 + (1 - fpr) * (1 + tpr) / 2.0;
        }
        double[] d = Arrays.copyOf(dice, images);
        double[] j = Arrays.copyOf(iou, images);
        return new MetricResult().put("auc_roc", auc)
                .putOther("confusion", List.of(List.of(tn, fp),
                        List.of(fn, tp)))
                .put("accuracy", accuracy).put("specificity", specificity)
                .put("sensitivity", sensitivity).put("precision", precision)
                .put("f1", fScore(precision, sensitivity))
                .put("jaccard_score", ratio(tp, tp + fp + fn))
                .put("jaccard_similarity_score_legacy", accuracy)
                .putCurve("per_image_dice", d).putCurve("per_image_iou", j)
                .put("mean_image_dice", images == 0 ? Double.NaN : PairwiseSum.mean(d))
                .put("mean_image_iou", images == 0 ? Double.NaN : PairwiseSum.mean(j));
    }

    /** Pooled counts {@code {TN, FP, FN, TP}}. */
    public long[] confusion() {
        return new long[] {tn, fp, fn, tp};
    }

    @Override
    public void reset() {
        tn = 0;
        fp = 0;
        fn = 0;
        tp = 0;
        images = 0;
    }
}
