package dev.freqmed.cli;

import ai.djl.Device;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.model.fafnet.FafNetConfig;
import dev.freqmed.model.fafnet.FewShotEvaluation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code freqmed fewshot evaluate}: the SSL-ALPNet protocol on a fold of volumes. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a trained FAF-Net with the reference protocol (support volume and"
                + " its three slices per organ, the organ slices of every query volume in three"
                + " chunks, 3-D Dice per volume); writes OUT/metrics.json and OUT/figure.png.")
final class FewShotEvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint folder (a run's model/).")
    Path model;

    @Option(names = "--data", required = true,
            description = "Data root with images/image_<id>.nii.gz and labels/label_<id>.nii.gz.")
    Path data;

    @Option(names = "--organ", split = ",",
            description = "Organ names or label ids (default: the model's test organs).")
    List<String> organs = new ArrayList<>();

    @Option(names = "--setting", description = "1 or 2 (default: the model's).")
    Integer setting;

    @Option(names = "--fold", description = "0..4 (default: the fold the model held out).")
    Integer fold;

    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        Device dev = device.parse();
        EngineSetup.start(spec.commandLine().getErr());
        try (LoadedModel m = LoadedModel.load(model, dev, "fafnet")) {
            FafNetConfig cfg = (FafNetConfig) m.config();
            List<Integer> ids = new ArrayList<>();
            for (String s : organs) {
                ids.add(organId(cfg, s));
            }
            Map<String, Object> r = FewShotEvaluation.run(m.network(), m.manager(), cfg, data, ids,
                    fold == null ? cfg.fold() : fold, setting == null ? cfg.setting() : setting,
                    out, new ConsoleProgress(o));
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> org = (Map<String, Map<String, Object>>) r.get("organs");
            for (Map.Entry<String, Map<String, Object>> e : org.entrySet()) {
                o.printf(Locale.ROOT, "%-10s Dice %.4f%n", e.getKey(), e.getValue().get("dice_mean"));
            }
            o.printf(Locale.ROOT, "mean Dice %.4f (fold %s, setting %s) -> %s%n", r.get("mean_dice"),
                    r.get("fold"), r.get("setting"), out.resolve("metrics.json"));
            o.flush();
        }
        return 0;
    }

    /** An organ by name (case-insensitive) or label id. */
    static int organId(FafNetConfig cfg, String s) {
        for (int i = 0; i < cfg.labels().size(); i++) {
            if (cfg.labels().get(i).equalsIgnoreCase(s.trim())) {
                return i + 1;
            }
        }
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--organ: unknown organ '" + s + "'; valid: "
                    + String.join(", ", cfg.labels()) + " or label ids 1.." + cfg.labels().size());
        }
    }
}
