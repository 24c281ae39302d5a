package dev.freqmed.metric;

import dev.freqmed.metric.EvaluationRequest.Setting;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code kid} family: clean-fid's Kernel Inception Distance
 * ({@link KernelInceptionDistance}: subsets drawn with numpy's legacy generator, default 100
 * subsets of at most 1000 samples, seed 0) between the same inputs as the {@code fid} family
 * ({@link GenerativeInputs}), reported as the mean over subsets ({@code kid}, clean-fid's value)
 * and their standard deviation ({@code kid_std}, see {@link KidSubsets}). Reference and
 * reduction as in {@link KernelInceptionDistance}.
 */
final class KidFamily extends FamilyBase {

    KidFamily() {
        super("kid", "clean-fid's Kernel Inception Distance",
                "two folders of images (with --inception or --features) or of feature CSVs; the"
                        + " reference may be a --save-stats file",
                Set.of(Setting.KID_SUBSETS, Setting.KID_SUBSET_SIZE, Setting.SEED,
                        Setting.INCEPTION, Setting.FEATURES, Setting.SAVE_STATS),
                List.of(MetricKey.minimized("kid", "Kernel Inception Distance")));
    }

    @Override
    EvaluationReport score(EvaluationRequest request) throws IOException {
        KernelInceptionDistance k = new KernelInceptionDistance(request.kidSubsets(),
                request.kidSubsetSize(), request.seed());
        GenerativeInputs.Features in = GenerativeInputs.read(request);
        FeatureMatrix[] f = {in.predictions(), in.truth()};
        k.update(f[0], f[1]);
        MetricResult r = k.result();
        double std = KidSubsets.std(KidSubsets.values(f[0], f[1], request.kidSubsets(),
                request.kidSubsetSize(), request.seed()));
        Map<String, Object> json = newResult();
        json.put("extractor", in.extractor());
        json.put("kid_std", std);
        json.put("samples_pred", f[0].rows());
        json.put("samples_gt", f[1].rows());
        json.putAll(r.toTree());
        return new EvaluationReport(name(), json, List.of(
                new EvaluationReport.Line("extractor", in.extractor()),
                new EvaluationReport.Line("samples (pred)", f[0].rows()),
                new EvaluationReport.Line("samples (gt)", f[1].rows()),
                new EvaluationReport.Line("KID", r.get("kid")),
                new EvaluationReport.Line("KID std over subsets", std),
                new EvaluationReport.Line("subsets x size", request.kidSubsets() + " x "
                        + (long) r.get("subset_size"))), null, null);
    }
}
