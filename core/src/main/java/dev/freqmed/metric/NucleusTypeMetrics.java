package dev.freqmed.metric;

import dev.freqmed.metric.image.LinearAssignment;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * HoVer-Net's detection and classification statistics for nuclei given as typed centroids:
 * {@code f1_d} (detection F1), {@code acc_type} (type agreement of the paired nuclei) and
 * {@code f1_type} (one F1 per type, HoVer-Net's weighting 2, 2, 1, 1 of paired/unpaired errors).
 *
 * <p>Pairing: per image, centroids (cast to float32 as the reference does) are paired one-to-one
 * by minimum total Euclidean distance (scipy {@code linear_sum_assignment} order) and pairs
 * farther than the radius (default 12 px) are dropped. Reduction: pairs and unpaired nuclei are
 * pooled over all images before the ratios are taken. Empty rule: an image with no nucleus on one
 * side gets the reference's dummy centroid (0, 0) of type 0 on that side, which then counts as an
 * unpaired nucleus (and type 0 joins the type list if it is on the true side). Types scored are
 * the sorted distinct true types over all images.
 *
 * <p>Reference: vqdang/hover_net 67e2ce5 {@code compute_stats.py run_nuclei_type_stat}
 * (exhaustive annotation) and {@code stats_utils.pair_coordinates}.
 */
public final class NucleusTypeMetrics implements Metric<List<Centroid>, List<Centroid>> {

    /** The reference's pairing radius, pixels. */
    public static final double DEFAULT_RADIUS = 12;

    private final double radius;
    private final List<Integer> pairedTrueType = new ArrayList<>();
    private final List<Integer> pairedPredType = new ArrayList<>();
    private final List<Integer> unpairedTrueType = new ArrayList<>();
    private final List<Integer> unpairedPredType = new ArrayList<>();
    private final TreeSet<Integer> trueTypes = new TreeSet<>();
    private final List<MetricResult> pairings = new ArrayList<>();

    /** With the reference radius of 12 pixels. */
    public NucleusTypeMetrics() {
        this(DEFAULT_RADIUS);
    }

    /**
     * @param radius pairing radius in pixels (inclusive)
     */
    public NucleusTypeMetrics(double radius) {
        if (!(radius >= 0) || Double.isInfinite(radius)) {
            throw new IllegalArgumentException("pairing radius must be finite and >= 0, found "
                    + radius);
        }
        this.radius = radius;
    }

    @Override
    public void update(List<Centroid> prediction, List<Centroid> truth) {
        List<Centroid> t = truth.isEmpty() ? List.of(new Centroid(0, 0, 0)) : truth;
        List<Centroid> p = prediction.isEmpty() ? List.of(new Centroid(0, 0, 0)) : prediction;
        int nt = t.size();
        int np = p.size();
        double[] d = new double[nt * np];
        for (int i = 0; i < nt; i++) {
            double tx = (float) t.get(i).x();
            double ty = (float) t.get(i).y();
            for (int j = 0; j < np; j++) {
                double dx = tx - (float) p.get(j).x();
                double dy = ty - (float) p.get(j).y();
                d[i * np + j] = Math.sqrt(dx * dx + dy * dy);
            }
        }
        int[][] a = LinearAssignment.solve(d, nt, np);
        boolean[] tPaired = new boolean[nt];
        boolean[] pPaired = new boolean[np];
        List<long[]> paired = new ArrayList<>();
        for (int k = 0; k < a[0].length; k++) {
            int i = a[0][k];
            int j = a[1][k];
            if (d[i * np + j] <= radius) {
                tPaired[i] = true;
                pPaired[j] = true;
                paired.add(new long[] {i, j});
                pairedTrueType.add(t.get(i).type());
                pairedPredType.add(p.get(j).type());
            }
        }
        List<Long> ut = new ArrayList<>();
        for (int i = 0; i < nt; i++) {
            trueTypes.add(t.get(i).type());
            if (!tPaired[i]) {
                ut.add((long) i);
                unpairedTrueType.add(t.get(i).type());
            }
        }
        List<Long> up = new ArrayList<>();
        for (int j = 0; j < np; j++) {
            if (!pPaired[j]) {
                up.add((long) j);
                unpairedPredType.add(p.get(j).type());
            }
        }
        pairings.add(new MetricResult().putOther("paired", paired.stream()
                        .map(x -> List.of(x[0], x[1])).toList())
                .putOther("unpaired_true", ut).putOther("unpaired_pred", up));
    }

    @Override
    public MetricResult result() {
        int tpD = pairedTrueType.size();
        int fpD = unpairedPredType.size();
        int fnD = unpairedTrueType.size();
        long agree = 0;
        for (int k = 0; k < tpD; k++) {
            agree += pairedTrueType.get(k).equals(pairedPredType.get(k)) ? 1 : 0;
        }
        double accType = (double) agree / tpD;
        double f1d = 2.0 * tpD / (2.0 * tpD + fpD + fnD);
        MetricResult perType = new MetricResult();
        List<Double> raw = new ArrayList<>();
        raw.add(f1d);
        raw.add(accType);
        for (int c : trueTypes) {
            long tp = 0;
            long fp = 0;
            long fn = 0;
            for (int k = 0; k < tpD; k++) {
                int tt = pairedTrueType.get(k);
                int pt = pairedPredType.get(k);
                if (tt == c && pt == c) {
                    tp++;
                } else if (pt == c) {
                    fp++;
                } else if (tt == c) {
                    fn++;
                }
            }
            long fpd = unpairedPredType.stream().filter(x -> x == c).count();
            long fnd = unpairedTrueType.stream().filter(x -> x == c).count();
            double f1 = (2.0 * tp) / (2.0 * tp + 2.0 * fp + 2.0 * fn + fpd + fnd);
            perType.put(Integer.toString(c), f1);
            raw.add(f1);
        }
        return new MetricResult().put("f1_d", f1d).put("acc_type", accType)
                .putNested("f1_type", perType).putOther("raw_result_list", raw)
                .putOther("type_uid_list_used", List.copyOf(trueTypes))
                .putList("per_image_pairing", pairings);
    }

    @Override
    public void reset() {
        pairedTrueType.clear();
        pairedPredType.clear();
        unpairedTrueType.clear();
        unpairedPredType.clear();
        trueTypes.clear();
        pairings.clear();
    }
}
