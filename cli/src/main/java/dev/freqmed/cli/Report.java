package dev.freqmed.cli;

import dev.freqmed.data.BinaryFolderReader;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.metric.MetricResult;
import dev.freqmed.train.TrainConfig;
import dev.freqmed.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Writes {@code report.html}: metrics, training curves, per-epoch log and test overlays on one page. */
final class Report {

    private Report() {
    }

    static void write(Path out, TrainConfig cfg, TrainingRun.Result r, MetricResult m, BinaryFolderReader test,
            double trainSeconds, double evalSeconds) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>FreqMed report: ")
                .append(esc(cfg.arch())).append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
                        + "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
                        + ".grid{display:flex;flex-wrap:wrap;gap:10px}.grid figure{margin:0}"
                        + ".grid img{width:280px;border:1px solid #ddd}figcaption{font-size:12px;text-align:center}"
                        + "</style></head><body>\n");
        h.append("<h1>FreqMed: ").append(esc(cfg.arch())).append(" on ").append(esc(cfg.dataRoot().getFileName().toString()))
                .append("</h1>\n");
        h.append("<p>Best checkpoint: epoch ").append(r.bestEpoch()).append(" of ").append(r.epochsRun())
                .append(" (selected by ").append(esc(cfg.train().monitor())).append(String.format(Locale.ROOT, " = %.4f", r.bestValue()))
                .append("). Training took ").append(String.format(Locale.ROOT, "%.0f s", trainSeconds))
                .append(", evaluation ").append(String.format(Locale.ROOT, "%.0f s", evalSeconds)).append(".</p>\n");
        h.append("<h2>Held-out test set (").append(test.size()).append(" images)</h2>\n");
        h.append("<p>Pixels of all test images are pooled, as in the FRCU-Net reference evaluation; the reference's "
                + "\"JS\" equals the pixel accuracy, the true IoU is listed separately.</p>\n<table>\n"
                + "<tr><th>metric</th><th>value</th></tr>\n");
        String[][] rows = {
            {"f1", "F1 (pooled Dice)"}, {"sensitivity", "Sensitivity"}, {"specificity", "Specificity"},
            {"accuracy", "Accuracy"}, {"precision", "Precision"},
            {"jaccard_similarity_score_legacy", "Reference \"JS\" (= accuracy)"},
            {"jaccard_score", "IoU (true Jaccard)"}, {"auc_roc", "AUC-ROC (binarised scores)"},
            {"mean_image_dice", "Mean per-image Dice"}, {"mean_image_iou", "Mean per-image IoU"},
        };
        for (String[] row : rows) {
            h.append("<tr><td>").append(esc(row[1])).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.4f", m.get(row[0]))).append("</td></tr>\n");
        }
        h.append("</table>\n<h2>Training curves</h2>\n<img src=\"curves.png\" alt=\"training curves\" style=\"max-width:100%\">\n");
        h.append("<h2>Per-epoch log</h2>\n<table>\n");
        if (!r.history().isEmpty()) {
            h.append("<tr>");
            for (String k : r.history().get(0).keySet()) {
                h.append("<th>").append(esc(k)).append("</th>");
            }
            h.append("</tr>\n");
            for (Map<String, Double> row : r.history()) {
                h.append("<tr>");
                for (Map.Entry<String, Double> e : row.entrySet()) {
                    String v = e.getKey().equals("epoch") ? String.valueOf(e.getValue().intValue())
                            : e.getKey().equals("lr") ? String.format(Locale.ROOT, "%.2g", e.getValue())
                            : String.format(Locale.ROOT, "%.4f", e.getValue());
                    h.append("<td>").append(v).append("</td>");
                }
                h.append("</tr>\n");
            }
        }
        h.append("</table>\n<h2>Test overlays</h2>\n<p>Red: prediction (outline and tint). Green: ground truth outline.</p>\n"
                + "<div class=\"grid\">\n");
        double[] dice = m.curve("per_image_dice");
        for (int i = 0; i < test.size(); i++) {
            String id = test.id(i);
            h.append("<figure><img src=\"overlays/").append(esc(id)).append(".png\" alt=\"").append(esc(id))
                    .append("\"><figcaption>").append(esc(id))
                    .append(String.format(Locale.ROOT, " Dice %.3f", dice[i])).append("</figcaption></figure>\n");
        }
        h.append("</div>\n<h2>Model</h2>\n<p><code>model/</code> is a FreqMed checkpoint folder: "
                + "<code>freqmed predict --model ").append(esc(out.resolve("model").toString()))
                .append(" --input IMAGE_OR_DIR --output DIR</code>.</p>\n");
        h.append("<h2>Data attribution</h2>\n<p>PH² dermoscopic image database (Universidade do Porto / Hospital Pedro "
                + "Hispano). T. Mendonça et al., \"PH² – A dermoscopic image database for research and benchmarking\", "
                + "IEEE EMBC 2013, doi:10.1109/EMBC.2013.6610779. Research and benchmarking use only.</p>\n");
        h.append("</body></html>\n");
        AtomicFiles.writeString(out.resolve("report.html"), h.toString());
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
