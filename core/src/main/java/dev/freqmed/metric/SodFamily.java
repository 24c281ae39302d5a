package dev.freqmed.metric;

import dev.freqmed.io.GrayImage;
import dev.freqmed.metric.EvaluationInputs.FilePair;
import dev.freqmed.metric.EvaluationRequest.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code sod} family: PySODMetrics' set ({@link SodMetrics}: MAE, S-measure, weighted F,
 * adaptive/mean/max E and F, HCE) over 8-bit saliency maps and 8-bit binary masks paired by stem.
 * Reduction, empty rules and reference as in {@link SodMetrics}; the result adds {@code names}
 * and a {@code per_image} list, and holds the PR and F/E curves for {@link CurveWriter}.
 */
final class SodFamily extends FamilyBase {

    /** Per-image keys, in output order. */
    private static final List<String> PER_IMAGE = List.of("MAE", "Smeasure", "wFmeasure", "adpE",
            "meanE", "maxE", "adpF", "meanF", "maxF", "HCE");

    SodFamily() {
        super("sod", "PySODMetrics' dichotomous/salient object segmentation set",
                "8-bit grey saliency maps and 8-bit binary ground-truth masks, paired by file stem",
                Set.of(Setting.PER_IMAGE, Setting.CURVES),
                List.of(MetricKey.minimized("MAE", "mean absolute error"),
                        MetricKey.maximized("Smeasure", "structure measure"),
                        MetricKey.maximized("wFmeasure", "weighted F-measure"),
                        MetricKey.maximized("adpE", "adaptive E-measure"),
                        MetricKey.maximized("meanE", "mean E-measure over thresholds"),
                        MetricKey.maximized("maxE", "max E-measure over thresholds"),
                        MetricKey.maximized("adpF", "adaptive F-measure"),
                        MetricKey.maximized("meanF", "mean F-measure over thresholds"),
                        MetricKey.maximized("maxF", "max F-measure over thresholds"),
                        MetricKey.minimized("HCE", "human correction effort")));
    }

    @Override
    EvaluationReport score(EvaluationRequest request) throws IOException {
        List<FilePair> pairs = EvaluationInputs.pair(request.predictions(), request.truth(),
                EvaluationInputs.IMAGE_EXTENSIONS, "map");
        List<SodMetrics.ImageResult> per = SodMetrics.evaluateAll(pairs.size(), i -> {
            FilePair p = pairs.get(i);
            try {
                GrayImage a = EvaluationInputs.readGray(p.pred());
                GrayImage b = EvaluationInputs.readBinaryMask(p.truth());
                if (a.bitDepth() != 8 || b.bitDepth() != 8) {
                    throw pairError(p, "SOD maps and masks must be 8-bit, found " + a.bitDepth()
                            + "-bit prediction and " + b.bitDepth() + "-bit ground truth");
                }
                sameSize(p, a.width(), a.height(), b.width(), b.height());
                return SaliencyPair.of(a, b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        SodMetrics m = new SodMetrics();
        per.forEach(m::add);
        MetricResult r = m.result();
        Map<String, Object> json = newResult();
        json.put("names", names(pairs));
        json.putAll(r.toTree());
        List<Map<String, Object>> perJson = new ArrayList<>();
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < per.size(); i++) {
            MetricResult one = per.get(i).toResult();
            Map<String, Object> tree = one.toTree();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", pairs.get(i).name());
            List<Object> line = new ArrayList<>();
            line.add(pairs.get(i).name());
            for (String k : PER_IMAGE) {
                row.put(k, tree.get(k));
                line.add(one.get(k));
            }
            perJson.add(row);
            rows.add(line);
        }
        json.put("per_image", perJson);
        List<EvaluationReport.Line> lines = new ArrayList<>();
        lines.add(new EvaluationReport.Line("images", pairs.size()));
        for (String k : PER_IMAGE) {
            lines.add(new EvaluationReport.Line(k, r.get(k)));
        }
        List<String> columns = new ArrayList<>();
        columns.add("name");
        columns.addAll(PER_IMAGE);
        return new EvaluationReport(name(), json, lines, new EvaluationReport.Table(columns, rows),
                r);
    }
}
