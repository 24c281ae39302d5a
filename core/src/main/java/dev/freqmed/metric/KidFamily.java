package dev.freqmed.metric;

import dev.freqmed.metric.EvaluationRequest.Setting;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code kid} family: clean-fid's Kernel Inception Distance
 * ({@link KernelInceptionDistance}: subsets drawn with numpy's legacy generator, default 100
 * subsets of at most 1000 samples, seed 0) between two folders of feature CSVs. Reference and
 * reduction as in {@link KernelInceptionDistance}.
 */
final class KidFamily extends FamilyBase {

    KidFamily() {
        super("kid", "clean-fid's Kernel Inception Distance",
                "two folders of feature CSVs (one row per sample, same dimension)",
                Set.of(Setting.KID_SUBSETS, Setting.KID_SUBSET_SIZE, Setting.SEED),
                List.of(MetricKey.minimized("kid", "Kernel Inception Distance")));
    }

    @Override
    EvaluationReport score(EvaluationRequest request) throws IOException {
        KernelInceptionDistance k = new KernelInceptionDistance(request.kidSubsets(),
                request.kidSubsetSize(), request.seed());
        FeatureMatrix[] f = FeatureFolders.readPair(request);
        k.update(f[0], f[1]);
        MetricResult r = k.result();
        Map<String, Object> json = newResult();
        json.put("samples_pred", f[0].rows());
        json.put("samples_gt", f[1].rows());
        json.putAll(r.toTree());
        return new EvaluationReport(name(), json, List.of(
                new EvaluationReport.Line("samples (pred)", f[0].rows()),
                new EvaluationReport.Line("samples (gt)", f[1].rows()),
                new EvaluationReport.Line("KID", r.get("kid")),
                new EvaluationReport.Line("subsets x size", request.kidSubsets() + " x "
                        + (long) r.get("subset_size"))), null, null);
    }
}
