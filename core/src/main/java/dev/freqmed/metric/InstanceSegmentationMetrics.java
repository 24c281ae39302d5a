package dev.freqmed.metric;

import dev.freqmed.metric.image.LinearAssignment;
import dev.freqmed.metric.image.PairwiseSum;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * HoVer-Net's nucleus instance segmentation statistics for each image: {@code dice_1} (binary
 * Dice of the foregrounds), {@code aji} (aggregated Jaccard, each true instance takes its best
 * IoU prediction), {@code aji_plus} (one-to-one assignment maximising total IoU),
 * {@code dice_2}/{@code fast_dice_2} (ensemble Dice over overlapping pairs) and panoptic quality
 * {@code dq, sq, pq} with {@code pq_tp, pq_fp, pq_fn} at IoU &gt; 0.5, optionally again at a
 * second threshold below 0.5 (keys suffixed {@code @t}, one-to-one assignment first).
 *
 * <p>Reduction: per image; {@code mean_over_images} is the arithmetic mean over images of
 * {@code dice_1, aji, dq, sq, pq, aji_plus}, as {@code compute_stats.py} reports, so one image
 * with no nucleus in either map makes it NaN; {@code mean_over_defined_images} (only present then)
 * holds the means over the images where each key is a number, and how many those are.
 *
 * <p>Empty-mask rules. Where the reference returns a number we return the same one (both empty:
 * {@code dice_1 = aji_plus = NaN}; one side empty: {@code dice_1 = aji_plus = 0}, PQ terms 0).
 * Where the reference raises, we choose: {@code aji} of an empty prediction is 0 (NaN when the
 * truth is empty too); {@code dice_2}/{@code fast_dice_2} without any overlapping pair are 0
 * (NaN when both maps are empty); {@code dq, sq, pq} of two empty maps are NaN.
 *
 * <p>Reference: vqdang/hover_net 67e2ce5 {@code metrics/stats_utils.py} ({@code get_dice_1,
 * get_fast_aji, get_fast_aji_plus, get_dice_2, get_fast_dice_2, get_fast_pq}) after
 * {@code remap_label(by_size=False)}, assignments as scipy's {@code linear_sum_assignment}.
 */
public final class InstanceSegmentationMetrics implements Metric<InstanceMap, InstanceMap> {

    /** Keys averaged into {@code mean_over_images}, in the reference's order. */
    public static final List<String> MEAN_KEYS =
            List.of("dice_1", "aji", "dq", "sq", "pq", "aji_plus");

    private final double extraMatchIou;
    private final List<MetricResult> images = new ArrayList<>();

    /** Panoptic quality at IoU &gt; 0.5 only. */
    public InstanceSegmentationMetrics() {
        this(Double.NaN);
    }

    /**
     * Also computes PQ at a second threshold (HoVer-Net's assignment branch).
     *
     * @param extraMatchIou threshold in [0, 0.5), or NaN for none
     */
    public InstanceSegmentationMetrics(double extraMatchIou) {
        if (!Double.isNaN(extraMatchIou) && (extraMatchIou < 0 || extraMatchIou >= 0.5)) {
            throw new IllegalArgumentException("extra PQ match IoU must be in [0, 0.5), found "
                    + extraMatchIou);
        }
        this.extraMatchIou = extraMatchIou;
    }

    /** The statistics of one image. */
    public MetricResult compute(InstanceMap prediction, InstanceMap truth) {
        InstanceOverlap o = InstanceOverlap.of(truth, prediction);
        MetricResult r = new MetricResult();
        long tSum = 0;
        for (long a : o.trueArea) {
            tSum += a;
        }
        long pSum = 0;
        for (long a : o.predArea) {
            pSum += a;
        }
        r.put("dice_1", 2.0 * o.foregroundInter / (double) (tSum + pSum));
        r.put("aji", aji(o));
        r.put("aji_plus", ajiPlus(o));
        double d2 = dice2(o);
        r.put("dice_2", d2);
        r.put("fast_dice_2", d2);
        pq(o, 0.5, "", r);
        if (!Double.isNaN(extraMatchIou)) {
            pq(o, extraMatchIou, "@" + format(extraMatchIou), r);
        }
        return r;
    }

    private static String format(double t) {
        String s = Double.toString(t);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    static double aji(InstanceOverlap o) {
        if (o.nTrue == 0 && o.nPred == 0) {
            return Double.NaN;
        }
        int[] best = new int[o.nTrue];
        double[] bestIou = new double[o.nTrue];
        Arrays.fill(best, -1);
        for (int k = 0; k < o.pairTrue.length; k++) {
            int t = o.pairTrue[k];
            double iou = o.pairInter[k] / (o.union(k) + 1.0e-6);
            if (iou > bestIou[t]) {
                bestIou[t] = iou;
                best[t] = k;
            }
        }
        double inter = 0;
        double union = 0;
        boolean[] predTaken = new boolean[o.nPred];
        boolean[] trueTaken = new boolean[o.nTrue];
        for (int t = 0; t < o.nTrue; t++) {
            if (best[t] >= 0) {
                int k = best[t];
                inter += o.pairInter[k];
                union += o.union(k);
                predTaken[o.pairPred[k]] = true;
                trueTaken[t] = true;
            }
        }
        for (int t = 0; t < o.nTrue; t++) {
            if (!trueTaken[t]) {
                union += o.trueArea[t];
            }
        }
        for (int p = 0; p < o.nPred; p++) {
            if (!predTaken[p]) {
                union += o.predArea[p];
            }
        }
        return inter / union;
    }

    static double ajiPlus(InstanceOverlap o) {
        double[] cost = new double[o.nTrue * o.nPred];
        double[] iou = new double[o.pairTrue.length];
        for (int k = 0; k < o.pairTrue.length; k++) {
            iou[k] = o.pairInter[k] / (o.union(k) + 1.0e-6);
            cost[o.pairTrue[k] * o.nPred + o.pairPred[k]] = -iou[k];
        }
        int[][] a = LinearAssignment.solve(cost, o.nTrue, o.nPred);
        double inter = 0;
        double union = 0;
        boolean[] tTaken = new boolean[o.nTrue];
        boolean[] pTaken = new boolean[o.nPred];
        for (int i = 0; i < a[0].length; i++) {
            int k = find(o, a[0][i], a[1][i]);
            if (k >= 0 && iou[k] > 0) {
                inter += o.pairInter[k];
                union += o.union(k);
                tTaken[a[0][i]] = true;
                pTaken[a[1][i]] = true;
            }
        }
        for (int t = 0; t < o.nTrue; t++) {
            if (!tTaken[t]) {
                union += o.trueArea[t];
            }
        }
        for (int p = 0; p < o.nPred; p++) {
            if (!pTaken[p]) {
                union += o.predArea[p];
            }
        }
        return inter / union;
    }

    static double dice2(InstanceOverlap o) {
        if (o.nTrue == 0 && o.nPred == 0) {
            return Double.NaN;
        }
        long inter = 0;
        long total = 0;
        for (int k = 0; k < o.pairTrue.length; k++) {
            inter += o.pairInter[k];
            total += o.trueArea[o.pairTrue[k]] + o.predArea[o.pairPred[k]];
        }
        return total == 0 ? 0.0 : 2.0 * inter / total;
    }

    static void pq(InstanceOverlap o, double match, String suffix, MetricResult r) {
        int m = o.pairTrue.length;
        double[] iou = new double[m];
        for (int k = 0; k < m; k++) {
            iou[k] = (double) o.pairInter[k] / o.union(k);
        }
        double[] paired;
        int tp;
        if (match >= 0.5) {
            int c = 0;
            double[] tmp = new double[m];
            for (int k = 0; k < m; k++) {
                if (iou[k] > match) {
                    tmp[c++] = iou[k];
                }
            }
            paired = Arrays.copyOf(tmp, c);
            tp = c;
        } else {
            double[] cost = new double[o.nTrue * o.nPred];
            for (int k = 0; k < m; k++) {
                cost[o.pairTrue[k] * o.nPred + o.pairPred[k]] = -iou[k];
            }
            int[][] a = LinearAssignment.solve(cost, o.nTrue, o.nPred);
            double[] tmp = new double[a[0].length];
            int c = 0;
            for (int i = 0; i < a[0].length; i++) {
                int k = find(o, a[0][i], a[1][i]);
                if (k >= 0 && iou[k] > match) {
                    tmp[c++] = iou[k];
                }
            }
            paired = Arrays.copyOf(tmp, c);
            tp = c;
        }
        int fp = o.nPred - tp;
        int fn = o.nTrue - tp;
        double dq;
        double sq;
        if (tp + fp + fn == 0) {
            dq = Double.NaN;
            sq = Double.NaN;
        } else {
            dq = tp / (tp + 0.5 * fp + 0.5 * fn);
            sq = PairwiseSum.sum(paired) / (tp + 1.0e-6);
        }
        r.put("dq" + suffix, dq).put("sq" + suffix, sq).put("pq" + suffix, dq * sq)
                .put("pq_tp" + suffix, tp).put("pq_fp" + suffix, fp).put("pq_fn" + suffix, fn);
    }

    /** Index of pair (t, p) in the sorted pair list, or -1 if they do not overlap. */
    private static int find(InstanceOverlap o, int t, int p) {
        int lo = 0;
        int hi = o.pairTrue.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = o.pairTrue[mid] != t ? Integer.compare(o.pairTrue[mid], t)
                    : Integer.compare(o.pairPred[mid], p);
            if (c == 0) {
                return mid;
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }

    /**
     * Computes the statistics of many images in parallel over all cores, keeping their order.
     *
     * @param count  number of images
     * @param source returns {@code {prediction, truth}} of image {@code i}
     */
    public List<MetricResult> computeAll(int count, IntFunction<InstanceMap[]> source) {
        return List.copyOf(ParallelImages.map(count, i -> {
            InstanceMap[] pt = source.apply(i);
            return compute(pt[0], pt[1]);
        }));
    }

    @Override
    public void update(InstanceMap prediction, InstanceMap truth) {
        images.add(compute(prediction, truth));
    }

    /** Adds an already computed image result. */
    public void add(MetricResult image) {
        images.add(image);
    }

    @Override
    public MetricResult result() {
        MetricResult mean = new MetricResult();
        for (String k : MEAN_KEYS) {
            double[] v = new double[images.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = images.get(i).get(k);
            }
            mean.put(k, v.length == 0 ? Double.NaN : PairwiseSum.mean(v));
        }
        MetricResult result = new MetricResult().putList("per_image", images)
                .putNested("mean_over_images", mean);
        MetricResult defined = new MetricResult();
        boolean someUndefined = false;
        for (String k : MEAN_KEYS) {
            Defined d = definedMean(images, k);
            defined.put(k, d.mean());
            defined.put(k + "_images", d.count());
            someUndefined |= d.count() < images.size();
        }
        if (someUndefined) {
            result.putNested("mean_over_defined_images", defined);
        }
        return result;
    }

    private record Defined(double mean, int count) {
    }

    /**
     * The mean over the images where {@code key} is a number. An image with no nucleus in either
     * map has NaN scores (and makes the reference's mean NaN): its result cannot be told apart
     * from a perfect one, so it is left out here and the images counted.
     */
    private static Defined definedMean(List<MetricResult> images, String key) {
        double[] v = images.stream().mapToDouble(r -> r.get(key)).filter(Double::isFinite).toArray();
        return new Defined(v.length == 0 ? Double.NaN : PairwiseSum.mean(v), v.length);
    }

    @Override
    public void reset() {
        images.clear();
    }
}
