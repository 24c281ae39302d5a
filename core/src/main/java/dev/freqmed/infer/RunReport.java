package dev.freqmed.infer;

import dev.freqmed.config.Configs;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.metric.MetricResult;
import dev.freqmed.train.TrainConfig;
import dev.freqmed.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The report of a training run evaluated on held-out data: {@code metrics.json} and a
 * {@code report.html} (metrics, training curves, per-epoch log, test overlays,
 * model usage and the data used, with its attribution when known). The HTML links
 * {@code curves.png} and {@code overlays/ID.png}, which the run and the evaluation write.
 *
 * @param config       the run's configuration
 * @param training     what training produced
 * @param trainSeconds wall time of training
 * @param test         the held-out evaluation
 * @param data         the data the run used
 */
public record RunReport(TrainConfig config, TrainingRun.Result training, double trainSeconds,
        HeldOutEvaluation.Result test, DataDescription data) {

    /** The binary metrics shown, with their labels. */
    private static final String[][] ROWS = {
        {"f1", "F1 (pooled Dice)"}, {"sensitivity", "Sensitivity"},
        {"specificity", "Specificity"},
        {"accuracy", "Accuracy"}, {"precision", "Precision"},
        {"jaccard_similarity_score_legacy", "Reference \"JS\" (= accuracy)"},
        {"jaccard_score", "IoU (true Jaccard)"}, {"auc_roc", "AUC-ROC (binarised scores)"},
        {"mean_image_dice", "Mean per-image Dice"}, {"mean_image_iou", "Mean per-image IoU"},
    };

    /** The content of {@code metrics.json}. */
    public Map<String, Object> metricsTree() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("task", "binary");
        json.put("architecture", config.arch());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", data.name());
        d.put("location", data.location());
        json.put("data", d);
        json.put("test_images", test.images());
        json.put("best_epoch", training.bestEpoch());
        json.put("model_epoch", training.modelEpoch());
        json.put("epochs_run", training.epochsRun());
        json.put("train_seconds", trainSeconds);
        json.put("evaluate_seconds", test.seconds());
        json.put("metrics", test.metrics().toTree());
        return json;
    }

    /**
     * Writes {@code metrics.json} and {@code report.html} into {@code out} (atomically).
     *
     * @throws IOException naming the file that could not be written
     */
    public void write(Path out) throws IOException {
        AtomicFiles.writeString(out.resolve("metrics.json"),
                Configs.json().writeValueAsString(metricsTree()));
        AtomicFiles.writeString(out.resolve("report.html"), html(out));
    }

    /** The page's style sheet. */
    private static final String STYLE = "body{font-family:sans-serif;margin:2em;max-width:1200px}"
            + "table{border-collapse:collapse}"
            + "td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
            + "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
            + ".grid{display:flex;flex-wrap:wrap;gap:10px}.grid figure{margin:0}"
            + ".grid img{width:280px;border:1px solid #ddd}"
            + "figcaption{font-size:12px;text-align:center}";

    /** The HTML page; {@code out} is named in the model usage line. */
    String html(Path out) {
        MetricResult m = test.metrics();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>FreqMed report: ").append(esc(config.arch()))
                .append("</title>\n<style>").append(STYLE).append("</style></head><body>\n");
        h.append("<h1>FreqMed: ").append(esc(config.arch())).append(" on ")
                .append(esc(data.name())).append("</h1>\n");
        h.append("<p>Data: ").append(esc(data.name())).append(" (").append(esc(data.location()))
                .append("); splits '").append(esc(config.data().trainSplit()))
                .append("' for training, '").append(esc(config.data().valSplit()))
                .append("' for validation, '").append(esc(config.data().testSplit()))
                .append("' held out.</p>\n");
        h.append("<p>Evaluated checkpoint: epoch ").append(training.modelEpoch()).append(" of ")
                .append(training.epochsRun()).append("last".equals(config.train().keep())
                        ? " (the last epoch; best " : " (selected by ")
                .append(esc(config.train().monitor()))
                .append(String.format(Locale.ROOT, " = %.4f at epoch %d", training.bestValue(),
                        training.bestEpoch()))
                .append("). Training took ")
                .append(String.format(Locale.ROOT, "%.0f s", trainSeconds))
                .append(", evaluation ")
                .append(String.format(Locale.ROOT, "%.0f s", test.seconds())).append(".</p>\n");
        h.append("<h2>Held-out test set (").append(test.images()).append(" images)</h2>\n");
        h.append("<p>Pixels of all test images are pooled, as in the FRCU-Net reference"
                + " evaluation; the reference's \"JS\" equals the pixel accuracy, the true IoU is"
                + " listed separately.</p>\n<table>\n<tr><th>metric</th><th>value</th></tr>\n");
        for (String[] row : ROWS) {
            h.append("<tr><td>").append(esc(row[1])).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.4f", m.get(row[0])))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n<h2>Training curves</h2>\n<img src=\"curves.png\""
                + " alt=\"training curves\" style=\"max-width:100%\">\n");
        h.append("<h2>Per-epoch log</h2>\n<table>\n");
        if (!training.history().isEmpty()) {
            h.append("<tr>");
            for (String k : training.history().get(0).keySet()) {
                h.append("<th>").append(esc(k)).append("</th>");
            }
            h.append("</tr>\n");
            for (Map<String, Double> row : training.history()) {
                h.append("<tr>");
                for (Map.Entry<String, Double> e : row.entrySet()) {
                    String v = e.getKey().equals("epoch")
                            ? String.valueOf(e.getValue().intValue())
                            : e.getKey().equals("lr")
                            ? String.format(Locale.ROOT, "%.2g", e.getValue())
                            : String.format(Locale.ROOT, "%.4f", e.getValue());
                    h.append("<td>").append(v).append("</td>");
                }
                h.append("</tr>\n");
            }
        }
        h.append("</table>\n<h2>Test overlays</h2>\n<p>Red: prediction (outline and tint)."
                + " Green: ground truth outline.</p>\n<div class=\"grid\">\n");
        double[] dice = m.curve("per_image_dice");
        for (int i = 0; i < test.images(); i++) {
            String id = esc(test.ids().get(i));
            h.append("<figure><img src=\"overlays/").append(id).append(".png\" alt=\"")
                    .append(id).append("\"><figcaption>").append(id)
                    .append(String.format(Locale.ROOT, " Dice %.3f", dice[i]))
                    .append("</figcaption></figure>\n");
        }
        h.append("</div>\n<h2>Model</h2>\n<p><code>model/</code> is a FreqMed checkpoint folder: "
                + "<code>freqmed predict --model ").append(esc(out.resolve("model").toString()))
                .append(" --input IMAGE_OR_DIR --output DIR</code>.</p>\n");
        if (data.attribution() != null) {
            h.append("<h2>Data attribution</h2>\n<p>").append(esc(data.attribution()))
                    .append("</p>\n");
        } else {
            h.append("<h2>Data</h2>\n<p>").append(esc(data.location()))
                    .append(": supplied by the user; its own terms of use apply.</p>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
