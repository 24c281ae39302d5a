package dev.freqmed.metric;

import dev.freqmed.data.nifti.NiftiReader;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.io.GrayImage;
import dev.freqmed.metric.EvaluationInputs.FilePair;
import dev.freqmed.metric.EvaluationRequest.Setting;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code fewshot} family: FAF-Net's per-volume Dice and IoU of one organ class
 * ({@link VolumeDiceScore}, float32), over NIfTI volumes or stacked PNG label images. The class
 * scored is {@code label} (voxels equal to it are foreground), or any non-zero voxel when no label
 * is given. Reduction, empty rules and reference as in {@link VolumeDiceScore}.
 */
final class FewShotFamily extends FamilyBase {

    FewShotFamily() {
        super("fewshot", "FAF-Net's per-volume Dice and IoU of one class",
                "label volumes (.nii, .nii.gz) or label PNGs, paired by file stem",
                Set.of(Setting.LABEL, Setting.PER_IMAGE),
                List.of(MetricKey.maximized("class_mean_dice", "mean per-volume Dice"),
                        MetricKey.maximized("class_mean_iou", "mean per-volume IoU"),
                        MetricKey.maximized("pooled_dice", "Dice of the pooled counts"),
                        MetricKey.maximized("pooled_iou", "IoU of the pooled counts")));
    }

    @Override
    EvaluationReport score(EvaluationRequest request) throws IOException {
        Integer label = request.label();
        List<FilePair> pairs = EvaluationInputs.pair(request.predictions(), request.truth(),
                Set.of("nii", "nii.gz", "png"), "volume");
        VolumeDiceScore m = new VolumeDiceScore();
        for (FilePair p : pairs) {
            int[] a = volume(p.pred(), label);
            int[] b = volume(p.truth(), label);
            if (a.length != b.length) {
                throw pairError(p, "size mismatch: prediction has " + a.length
                        + " voxels, label has " + b.length);
            }
            m.update(a, b);
        }
        MetricResult r = m.result();
        Map<String, Object> json = newResult();
        json.put("names", names(pairs));
        if (label != null) {
            json.put("label", label);
        }
        json.putAll(r.toTree());
        List<EvaluationReport.Line> lines = new ArrayList<>();
        lines.add(new EvaluationReport.Line("volumes", pairs.size()));
        for (String k : List.of("class_mean_dice", "class_mean_iou", "pooled_dice",
                "pooled_iou")) {
            lines.add(new EvaluationReport.Line(k + " (float32)", r.get(k)));
        }
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            rows.add(List.of(pairs.get(i).name(), r.curve("patient_dice")[i],
                    r.curve("patient_iou")[i]));
        }
        return new EvaluationReport(name(), json, lines,
                new EvaluationReport.Table(List.of("name", "dice", "iou"), rows), null);
    }

    /** The 0/1 foreground of a volume file: NIfTI voxels, or the samples of a binary PNG. */
    private static int[] volume(Path path, Integer label) throws IOException {
        String ext = EvaluationInputs.extension(path);
        int[] out;
        if (ext.equals("nii") || ext.equals("nii.gz")) {
            NiftiVolume v = NiftiReader.read(path);
            out = new int[v.size()];
            float[] d = v.data();
            for (int i = 0; i < out.length; i++) {
                out[i] = label == null ? (d[i] != 0 ? 1 : 0) : (d[i] == label ? 1 : 0);
            }
        } else {
            GrayImage g = EvaluationInputs.readBinaryMask(path);
            out = new int[g.data().length];
            for (int i = 0; i < out.length; i++) {
                out[i] = g.data()[i] != 0 ? 1 : 0;
            }
        }
        return out;
    }
}
