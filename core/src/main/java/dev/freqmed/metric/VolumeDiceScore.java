package dev.freqmed.metric;

import java.util.ArrayList;
import java.util.List;

/**
 * FAF-Net's per-volume Dice and IoU for one organ class, in float32 as the reference computes
 * them: integer counts per volume, then {@code 2tp / (2tp + fp + fn)} and {@code tp / (tp + fp +
 * fn)} as float32 divisions of the counts; the class mean is the float32 mean over volumes and the
 * pooled values use the summed counts.
 *
 * <p>Reduction: per volume then mean ({@code class_mean_dice}, what FAF-Net reports), and pooled.
 * Empty rule: a volume with no foreground in prediction or label gives {@code 0/0 = NaN}, which
 * propagates into the class mean exactly as in the reference. Reference: zmcheng9/FAF-Net 0f35f90
 * {@code utils.py Scores.record/compute_dice/compute_iou}, as {@code evaluate.py} calls it.
 */
public final class VolumeDiceScore implements Metric<int[], int[]> {

    private final List<long[]> counts = new ArrayList<>();

    /**
     * Adds one volume of flattened labels; any non-zero value is foreground.
     *
     * @throws IllegalArgumentException if the lengths differ
     */
    @Override
    public void update(int[] prediction, int[] truth) {
        if (prediction.length != truth.length) {
            throw new IllegalArgumentException("prediction volume has " + prediction.length
                    + " voxels but label volume has " + truth.length);
        }
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < truth.length; i++) {
            boolean p = prediction[i] != 0;
            boolean t = truth[i] != 0;
            if (p && t) {
                tp++;
            } else if (p) {
                fp++;
            } else if (t) {
                fn++;
            }
        }
        counts.add(new long[] {tp, fp, fn, truth.length - tp - fp - fn});
    }

    /** float32 Dice of counts, as a torch int64 true division. */
    static float dice(long tp, long fp, long fn) {
        return (float) (2 * tp) / (float) (2 * tp + fp + fn);
    }

    /** float32 IoU of counts. */
    static float iou(long tp, long fp, long fn) {
        return (float) tp / (float) (tp + fp + fn);
    }

    @Override
    public MetricResult result() {
        int n = counts.size();
        double[] d = new double[n];
        double[] j = new double[n];
        float sumD = 0;
        float sumJ = 0;
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long tn = 0;
        for (int i = 0; i < n; i++) {
            long[] c = counts.get(i);
            float di = dice(c[0], c[1], c[2]);
            float ji = iou(c[0], c[1], c[2]);
            d[i] = di;
            j[i] = ji;
            sumD += di;
            sumJ += ji;
            tp += c[0];
            fp += c[1];
            fn += c[2];
            tn += c[3];
        }
        return new MetricResult().putCurve("patient_dice", d).putCurve("patient_iou", j)
                .put("class_mean_dice", n == 0 ? Double.NaN : sumD / (float) n)
                .put("class_mean_iou", n == 0 ? Double.NaN : sumJ / (float) n)
                .put("pooled_dice", dice(tp, fp, fn)).put("pooled_iou", iou(tp, fp, fn))
                .put("TP", tp).put("FP", fp).put("FN", fn).put("TN", tn);
    }

    @Override
    public void reset() {
        counts.clear();
    }
}
