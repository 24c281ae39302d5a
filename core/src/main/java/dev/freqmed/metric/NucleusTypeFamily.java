package dev.freqmed.metric;

import dev.freqmed.metric.EvaluationInputs.FilePair;
import dev.freqmed.metric.EvaluationRequest.Setting;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code nuclei-type} family: HoVer-Net's detection and per-type F1 over typed centroids
 * ({@link NucleusTypeMetrics}, pairing radius default 12 px). Reduction, empty rules and reference
 * as in {@link NucleusTypeMetrics}; per-image rows count the paired and unpaired nuclei.
 */
final class NucleusTypeFamily extends FamilyBase {

    NucleusTypeFamily() {
        super("nuclei-type", "HoVer-Net's nucleus detection and classification statistics",
                "centroid CSVs (x,y,type) or .mat files (inst_centroid/inst_type or inst_map +"
                        + " type_map), paired by file stem",
                Set.of(Setting.RADIUS, Setting.PER_IMAGE),
                List.of(MetricKey.maximized("f1_d", "detection F1"),
                        MetricKey.maximized("acc_type", "type accuracy of paired nuclei")));
    }

    @Override
    EvaluationReport score(EvaluationRequest request) throws IOException {
        List<FilePair> pairs = EvaluationInputs.pair(request.predictions(), request.truth(),
                Set.of("csv", "mat"), "centroid CSV or .mat");
        NucleusTypeMetrics m = new NucleusTypeMetrics(request.radius());
        for (FilePair p : pairs) {
            m.update(CentroidCsvReader.read(p.pred()), CentroidCsvReader.read(p.truth()));
        }
        MetricResult r = m.result();
        Map<String, Object> json = newResult();
        json.put("radius", request.radius());
        json.put("names", names(pairs));
        json.putAll(r.toTree());
        List<EvaluationReport.Line> lines = new ArrayList<>();
        lines.add(new EvaluationReport.Line("images", pairs.size()));
        lines.add(new EvaluationReport.Line("f1_d (detection)", r.get("f1_d")));
        lines.add(new EvaluationReport.Line("acc_type", r.get("acc_type")));
        r.nested("f1_type").scalars()
                .forEach((k, v) -> lines.add(new EvaluationReport.Line("f1 type " + k, v)));
        List<MetricResult> pairing = r.list("per_image_pairing");
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            Map<String, Object> t = pairing.get(i).toTree();
            rows.add(List.of(pairs.get(i).name(), ((List<?>) t.get("paired")).size(),
                    ((List<?>) t.get("unpaired_true")).size(),
                    ((List<?>) t.get("unpaired_pred")).size()));
        }
        return new EvaluationReport(name(), json, lines, new EvaluationReport.Table(
                List.of("name", "paired", "unpaired_true", "unpaired_pred"), rows), null);
    }
}
