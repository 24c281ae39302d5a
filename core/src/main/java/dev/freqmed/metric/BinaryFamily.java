package dev.freqmed.metric;

import dev.freqmed.data.FloatImage;
import dev.freqmed.data.transform.PilBilinear;
import dev.freqmed.io.GrayImage;
import dev.freqmed.metric.EvaluationInputs.FilePair;
import dev.freqmed.metric.EvaluationRequest.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code binary} family: FRCU-Net's pooled metrics ({@link BinarySegmentationMetrics}) over
 * prediction maps or masks and binary ground-truth masks paired by stem.
 *
 * <p>A prediction pixel is positive when its value scaled to [0, 1] is above the threshold
 * (default 0.5, i.e. bytes ≥ 128 as the reference's {@code y_scores > 0.5}); a truth pixel is
 * positive where the mask is non-zero, so masks stored 0/255 and 0/1 score alike. Reduction:
 * confusion counts pooled over every pixel of every image, per-image Dice/IoU averaged (see
 * {@link BinarySegmentationMetrics} for the empty-mask rules).
 *
 * <p>Protocols ({@link BinaryProtocol}):
 * <ul>
 * <li>{@code native} (default): pixels at the ground truth's original size; a prediction of
 *     another size is an error.
 * <li>{@code reference}: what FRCU-Net's {@code Evaluate_Skin.py} scores (rezazad68/FRCU-Net
 *     a184245, with the masks its {@code Prepare_ISIC2017.py}, {@code Prepare_ISIC2018.py} and
 *     {@code Prepare_ph2.py} write): every pixel of the network's square input (side
 *     {@code size}, 256 in the reference). The ground truth is resized to side × side by
 *     {@code scipy.misc.imresize(mask, [side, side], interp='bilinear')}, which is PIL's 8-bit
 *     {@code BILINEAR} resize ({@link PilBilinear}, antialiased when shrinking, rounded to bytes);
 *     the evaluation script never divides those bytes by 255 and keeps {@code y_true > 0.5}, so
 *     every non-zero byte of the resized mask is foreground, soft edge pixels included. The
 *     prediction is the network's output at side × side thresholded with {@code > 0.5}. Without
 *     {@code size}, every prediction map must already be square and of one side, taken as the
 *     input side.
 * </ul>
 */
final class BinaryFamily extends FamilyBase {

    BinaryFamily() {
        super("binary", "FRCU-Net's pooled binary segmentation metrics (Evaluate_Skin.py)",
                "prediction maps or masks (8/16-bit grey PNG, TIFF, BMP or JPEG) and binary"
                        + " ground-truth masks (0/255 or 0/1), paired by file stem",
                Set.of(Setting.THRESHOLD, Setting.PROTOCOL, Setting.SIZE, Setting.PER_IMAGE),
                List.of(MetricKey.maximized("accuracy", "pooled pixel accuracy"),
                        MetricKey.maximized("specificity", "pooled TN / (TN + FP)"),
                        MetricKey.maximized("sensitivity", "pooled TP / (TP + FN)"),
                        MetricKey.maximized("precision", "pooled TP / (TP + FP)"),
                        MetricKey.maximized("f1", "pooled F1 (= pooled Dice)"),
                        MetricKey.maximized("jaccard_score", "pooled IoU"),
                        MetricKey.maximized("jaccard_similarity_score_legacy",
                                "the reference's legacy 'jaccard' (= accuracy)"),
                        MetricKey.maximized("auc_roc", "ROC AUC of the binarised scores"),
                        MetricKey.maximized("mean_image_dice", "mean per-image Dice"),
                        MetricKey.maximized("mean_image_iou", "mean per-image IoU")));
    }

    /** One image's counts and the side it was scored at. */
    private record Scored(BinarySegmentationMetrics metrics, int side) {
    }

    @Override
    EvaluationReport score(EvaluationRequest request) throws IOException {
        BinaryProtocol protocol = request.protocol();
        double threshold = request.threshold();
        if (protocol == BinaryProtocol.NATIVE && request.has(Setting.SIZE)) {
            throw new IllegalArgumentException("'size' applies to the reference protocol only;"
                    + " the native protocol scores at the ground truth's size");
        }
        List<FilePair> pairs = EvaluationInputs.pair(request.predictions(), request.truth(),
                EvaluationInputs.IMAGE_EXTENSIONS, "mask");
        // Validates the threshold before any file is read.
        new BinarySegmentationMetrics(threshold);
        List<Scored> per = ParallelImages.map(pairs.size(), i -> {
            FilePair p = pairs.get(i);
            try {
                GrayImage a = EvaluationInputs.readGray(p.pred());
                GrayImage b = EvaluationInputs.readBinaryMask(p.truth());
                BinarySegmentationMetrics m = new BinarySegmentationMetrics(threshold);
                if (protocol == BinaryProtocol.NATIVE) {
                    sameSize(p, a.width(), a.height(), b.width(), b.height());
                    m.update(a, b);
                    return new Scored(m, 0);
                }
                int side = request.size();
                if (side == 0) {
                    if (a.width() != a.height()) {
                        throw pairError(p, "the reference protocol scores at the network's square"
                                + " input size, but the prediction is " + a.width() + "x"
                                + a.height() + "; give the input side ('size')");
                    }
                    side = a.width();
                }
                m.updateLabels(referencePrediction(a, side, threshold),
                        referenceTruth(b, side));
                return new Scored(m, side);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        int side = per.get(0).side();
        for (int i = 1; i < per.size(); i++) {
            if (per.get(i).side() != side) {
                throw new IOException(pairs.get(i).pred() + ": prediction is " + per.get(i).side()
                        + "x" + per.get(i).side() + " but " + pairs.get(0).pred() + " is " + side
                        + "x" + side + "; the reference protocol needs every prediction at the"
                        + " network's input size, or the input side given ('size')");
            }
        }
        BinarySegmentationMetrics all = new BinarySegmentationMetrics(threshold);
        for (Scored s : per) {
            all.merge(s.metrics());
        }
        MetricResult r = all.result();
        Map<String, Object> json = newResult();
        json.put("protocol", protocol.configName());
        if (protocol == BinaryProtocol.REFERENCE) {
            json.put("size", side);
        }
        json.put("threshold", threshold);
        json.put("names", names(pairs));
        json.putAll(r.toTree());
        List<EvaluationReport.Line> lines = new ArrayList<>();
        lines.add(new EvaluationReport.Line("protocol", protocol == BinaryProtocol.NATIVE
                ? "native (original size)" : "reference (" + side + "x" + side + ")"));
        lines.add(new EvaluationReport.Line("images", pairs.size()));
        String[][] rows = {
            {"accuracy", "accuracy"},
            {"sensitivity", "sensitivity (recall)"},
            {"specificity", "specificity"},
            {"precision", "precision"},
            {"f1", "f1 (pooled Dice)"},
            {"jaccard_score", "IoU (jaccard_score, pooled)"},
            {"jaccard_similarity_score_legacy", "legacy 'jaccard' of FRCU-Net (= accuracy)"},
            {"auc_roc", "auc_roc (binarised scores)"},
            {"mean_image_dice", "mean per-image Dice"},
            {"mean_image_iou", "mean per-image IoU"},
        };
        for (String[] row : rows) {
            lines.add(new EvaluationReport.Line(row[1], r.get(row[0])));
        }
        double[] d = r.curve("per_image_dice");
        double[] j = r.curve("per_image_iou");
        List<List<Object>> csv = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            csv.add(List.of(pairs.get(i).name(), d[i], j[i]));
        }
        return new EvaluationReport(name(), json, lines,
                new EvaluationReport.Table(List.of("name", "dice", "iou"), csv), null);
    }

    /**
     * The prediction's labels at side × side: a map of that size is thresholded as it is; a map of
     * another size is first resized as the reference resizes its inputs.
     */
    static int[] referencePrediction(GrayImage pred, int side, double threshold) {
        int max = (1 << pred.bitDepth()) - 1;
        int[] labels = new int[side * side];
        if (pred.width() == side && pred.height() == side) {
            for (int k = 0; k < labels.length; k++) {
                labels[k] = pred.data()[k] / (double) max > threshold ? 1 : 0;
            }
            return labels;
        }
        // DEVIATION: the reference thresholds the network's side x side output directly. A map
        // saved at another size (predict writes the original size) is brought to side x side by
        // the PIL bilinear resize the reference applies to its images and masks; 16-bit maps are
        // first reduced to bytes (round(v * 255 / 65535)).
        float[] bytes = new float[pred.data().length];
        for (int k = 0; k < bytes.length; k++) {
            int v = pred.data()[k];
            bytes[k] = pred.bitDepth() == 8 ? v : Math.round(v * 255.0 / 65535.0);
        }
        float[] resized = PilBilinear.resize(new FloatImage(1, pred.height(), pred.width(), bytes),
                side, side).data();
        for (int k = 0; k < labels.length; k++) {
            labels[k] = resized[k] / 255.0 > threshold ? 1 : 0;
        }
        return labels;
    }

    /**
     * The ground truth's labels at side × side as the reference makes them: PIL 8-bit bilinear
     * resize of the mask bytes ({@code scipy.misc.imresize(..., interp='bilinear')}), then
     * foreground wherever the resized byte is non-zero ({@code y_true > 0.5} on unscaled bytes).
     */
    static int[] referenceTruth(GrayImage truth, int side) {
        // DEVIATION: the mask is read as 0/255 whatever its storage (0/1, 16-bit). The reference's
        // masks (ISIC PNG, PH2 BMP) are 0/255 bytes, where this changes nothing; resizing 0/1
        // bytes would round away every pixel whose interpolated share of foreground is below one
        // half, so the score would depend on how the mask was stored.
        float[] bytes = new float[truth.data().length];
        for (int k = 0; k < bytes.length; k++) {
            bytes[k] = truth.data()[k] != 0 ? 255f : 0f;
        }
        float[] resized = PilBilinear.resize(
                new FloatImage(1, truth.height(), truth.width(), bytes), side, side).data();
        int[] labels = new int[side * side];
        for (int k = 0; k < labels.length; k++) {
            labels[k] = resized[k] != 0 ? 1 : 0;
        }
        return labels;
    }
}
