package dev.freqmed.metric;

import dev.freqmed.metric.EvaluationRequest.Setting;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code fid} family: clean-fid's Fréchet Inception Distance
 * ({@link FrechetInceptionDistance}) between generated and reference samples given as folders of
 * images (features from {@link InceptionFeatures} or {@link ModelFeatures}), folders of feature
 * CSVs (one row per sample), or a saved statistics file as reference ({@link GenerativeInputs}).
 * The report names the extractor. Reference and numerical rules as in
 * {@link FrechetInceptionDistance}.
 */
final class FidFamily extends FamilyBase {

    FidFamily() {
        super("fid", "clean-fid's Fréchet Inception Distance",
                "two folders of images (with --inception or --features) or of feature CSVs; the"
                        + " reference may be a --save-stats file",
                Set.of(Setting.INCEPTION, Setting.FEATURES, Setting.SAVE_STATS),
                List.of(MetricKey.minimized("fid", "Fréchet Inception Distance")));
    }

    @Override
    EvaluationReport score(EvaluationRequest request) throws IOException {
        GenerativeInputs.Features in = GenerativeInputs.read(request);
        FeatureMatrix[] f = {in.predictions(), in.truth()};
        MetricResult r = FrechetInceptionDistance.compute(f[0], f[1]);
        Map<String, Object> json = newResult();
        json.put("extractor", in.extractor());
        json.put("samples_pred", f[0].rows());
        json.put("samples_gt", f[1].rows());
        json.putAll(r.toTree());
        return new EvaluationReport(name(), json, List.of(
                new EvaluationReport.Line("extractor", in.extractor()),
                new EvaluationReport.Line("samples (pred)", f[0].rows()),
                new EvaluationReport.Line("samples (gt)", f[1].rows()),
                new EvaluationReport.Line("FID", r.get("fid"))), null, null);
    }
}
