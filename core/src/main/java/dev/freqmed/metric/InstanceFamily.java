package dev.freqmed.metric;

import dev.freqmed.metric.EvaluationInputs.FilePair;
import dev.freqmed.metric.EvaluationRequest.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code instance} family: HoVer-Net's instance statistics
 * ({@link InstanceSegmentationMetrics}: Dice, AJI, AJI+, Dice-2, DQ/SQ/PQ, optionally PQ at a
 * second IoU) per image, and their means over images. Reduction, empty rules and reference as in
 * {@link InstanceSegmentationMetrics}.
 */
final class InstanceFamily extends FamilyBase {

    InstanceFamily() {
        super("instance", "HoVer-Net's nucleus instance segmentation statistics",
                "instance maps (16-bit PNG/TIFF, .mat with inst_map, or 2-D integer .npy),"
                        + " paired by file stem",
                Set.of(Setting.PQ_EXTRA_IOU, Setting.PER_IMAGE),
                List.of(MetricKey.maximized("dice_1", "foreground Dice"),
                        MetricKey.maximized("aji", "aggregated Jaccard index"),
                        MetricKey.maximized("aji_plus", "AJI+ (one-to-one pairing)"),
                        MetricKey.maximized("dice_2", "instance Dice"),
                        MetricKey.maximized("fast_dice_2", "instance Dice (fast form)"),
                        MetricKey.maximized("dq", "detection quality"),
                        MetricKey.maximized("sq", "segmentation quality"),
                        MetricKey.maximized("pq", "panoptic quality")));
    }

    @Override
    EvaluationReport score(EvaluationRequest request) throws IOException {
        List<FilePair> pairs = EvaluationInputs.pair(request.predictions(), request.truth(),
                EvaluationInputs.INSTANCE_EXTENSIONS, "instance map");
        InstanceSegmentationMetrics metric = new InstanceSegmentationMetrics(
                request.pqExtraIou());
        List<MetricResult> per = metric.computeAll(pairs.size(), i -> {
            FilePair p = pairs.get(i);
            try {
                InstanceMap a = EvaluationInputs.readInstanceMap(p.pred());
                InstanceMap b = EvaluationInputs.readInstanceMap(p.truth());
                sameSize(p, a.width(), a.height(), b.width(), b.height());
                return new InstanceMap[] {a, b};
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        per.forEach(metric::add);
        MetricResult r = metric.result();
        Map<String, Object> json = newResult();
        json.put("names", names(pairs));
        json.putAll(r.toTree());
        List<EvaluationReport.Line> lines = new ArrayList<>();
        lines.add(new EvaluationReport.Line("images", pairs.size()));
        r.nested("mean_over_images").scalars()
                .forEach((k, v) -> lines.add(new EvaluationReport.Line("mean " + k, v)));
        if (r.has("mean_over_defined_images")) {
            MetricResult d = r.nested("mean_over_defined_images");
            lines.add(new EvaluationReport.Line("images with no nucleus in either map (NaN)",
                    pairs.size() - (int) d.get("pq_images")));
            for (String k : InstanceSegmentationMetrics.MEAN_KEYS) {
                lines.add(new EvaluationReport.Line("mean " + k + " over the others", d.get(k)));
            }
        }
        List<String> keys = new ArrayList<>(per.get(0).scalars().keySet());
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < per.size(); i++) {
            List<Object> row = new ArrayList<>();
            row.add(pairs.get(i).name());
            for (String k : keys) {
                row.add(per.get(i).get(k));
            }
            rows.add(row);
        }
        List<String> columns = new ArrayList<>();
        columns.add("name");
        columns.addAll(keys);
        return new EvaluationReport(name(), json, lines, new EvaluationReport.Table(columns, rows),
                null);
    }
}
