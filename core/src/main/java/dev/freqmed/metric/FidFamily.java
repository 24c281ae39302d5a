package dev.freqmed.metric;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code fid} family: clean-fid's Fréchet Inception Distance
 * ({@link FrechetInceptionDistance}) between two folders of feature CSVs (generated vs reference
 * samples, one row per sample). Reference and numerical rules as in
 * {@link FrechetInceptionDistance}.
 */
final class FidFamily extends FamilyBase {

    FidFamily() {
        super("fid", "clean-fid's Fréchet Inception Distance",
                "two folders of feature CSVs (one row per sample, same dimension)",
                Set.of(),
                List.of(MetricKey.minimized("fid", "Fréchet Inception Distance")));
    }

    @Override
    EvaluationReport score(EvaluationRequest request) throws IOException {
        FeatureMatrix[] f = FeatureFolders.readPair(request);
        MetricResult r = FrechetInceptionDistance.compute(f[0], f[1]);
        Map<String, Object> json = newResult();
        json.put("samples_pred", f[0].rows());
        json.put("samples_gt", f[1].rows());
        json.putAll(r.toTree());
        return new EvaluationReport(name(), json, List.of(
                new EvaluationReport.Line("samples (pred)", f[0].rows()),
                new EvaluationReport.Line("samples (gt)", f[1].rows()),
                new EvaluationReport.Line("FID", r.get("fid"))), null, null);
    }
}
