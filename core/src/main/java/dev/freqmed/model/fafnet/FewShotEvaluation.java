package dev.freqmed.model.fafnet;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.freqmed.config.Configs;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.infer.Montage;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.ImageIo;
import dev.freqmed.train.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code freqmed fewshot evaluate}: the reference protocol ({@link FewShotProtocol}) over the
 * volumes of an evaluation fold, writing {@code metrics.json} and {@code figure.png}.
 *
 * <p>Per organ and query volume, the organ-holding slices are segmented (each with its chunk's
 * support slice), the foreground probability is upsampled from the network side to the volume's
 * in-plane size (bilinear, aligned corners, as the reference upsamples its output) and
 * thresholded at 0.5, and Dice {@code 2TP/(2TP+FP+FN)} and IoU are computed over the stacked
 * slices against the volume's own labels. An organ's score is the mean over query volumes; the
 * overall score the mean over organs. A model is evaluated only on the fold it held out in
 * training (other folds' volumes were in its training set).
 */
public final class FewShotEvaluation {

    private FewShotEvaluation() {
    }

    /** Dice and IoU of 0/1 arrays: {@code 2TP/(2TP+FP+FN)}, {@code TP/(TP+FP+FN)}; 1 if empty. */
    public static double[] diceIou(float[] pred, float[] truth) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < pred.length; i++) {
            boolean p = pred[i] > 0.5f;
            boolean t = truth[i] > 0.5f;
            tp += p && t ? 1 : 0;
            fp += p && !t ? 1 : 0;
            fn += !p && t ? 1 : 0;
        }
        long den = 2 * tp + fp + fn;
        return new double[] {den == 0 ? 1 : 2.0 * tp / den,
            tp + fp + fn == 0 ? 1 : (double) tp / (tp + fp + fn)};
    }

    /**
     * Runs the protocol.
     *
     * @param network  the trained network (inference mode)
     * @param manager  its engine manager
     * @param config   its configuration (fold, setting, labels, support position)
     * @param data     the data root (images/, labels/)
     * @param organs   organ ids to evaluate (empty = the config's test labels)
     * @param fold     the fold (must be the model's)
     * @param setting  the setting (must be the model's)
     * @param out      output folder for metrics.json and figure.png
     * @param listener receives one message per organ and volume
     * @return the metrics tree written to metrics.json
     * @throws IOException              naming a missing or unreadable volume
     * @throws IllegalArgumentException for a fold or setting other than the model's, an organ
     *                                  id outside the labels, or an organ absent from the support
     */
    public static Map<String, Object> run(Block network, NDManager manager, FafNetConfig config,
            Path data, List<Integer> organs, int fold, int setting, Path out,
            ProgressListener listener) throws IOException {
        if (fold != config.fold()) {
            throw new IllegalArgumentException("the model held out fold " + config.fold()
                    + " in training; fold " + fold + "'s volumes were part of its training set"
                    + " (train one model per fold)");
        }
        if (setting != config.setting()) {
            throw new IllegalArgumentException("the model was trained in setting "
                    + config.setting() + ", not " + setting);
        }
        List<Integer> which = organs.isEmpty() ? config.testLabels() : organs;
        for (int o : which) {
            if (o < 1 || o > config.labels().size()) {
                throw new IllegalArgumentException("organ id " + o + " is not a label of this"
                        + " model (1.." + config.labels().size() + ": " + config.labels() + ")");
            }
        }
        List<String> ids = FewShotData.ids(data);
        List<String> vols = FewShotProtocol.foldVolumes(ids, FewShotData.fold(ids.size(), fold),
                config.supportIndex());
        int side = config.inputSize();
        VolumeSlices support = FewShotData.load(data, vols.get(0), side, true, null);
        List<VolumeSlices> queries = new ArrayList<>();
        List<NiftiVolume> nativeLabels = new ArrayList<>();
        for (String id : vols.subList(1, vols.size())) {
            queries.add(FewShotData.load(data, id, side, true, null));
            nativeLabels.add(FewShotData.read(FewShotData.label(data, id)));
        }
        int n = config.supportSlices();
        Map<String, Object> organTree = new LinkedHashMap<>();
        Map<String, Object> supportTree = new LinkedHashMap<>();
        List<List<Montage.Panel>> figure = new ArrayList<>();
        double organSum = 0;
        for (int organ : which) {
            String name = config.labelName(organ);
            int[] sup = FewShotProtocol.supportSlices(support, organ, n, name);
            supportTree.put(name, sup);
            Map<String, Object> volTree = new LinkedHashMap<>();
            double diceSum = 0;
            double iouSum = 0;
            for (int v = 0; v < queries.size(); v++) {
                VolumeSlices q = queries.get(v);
                NiftiVolume lbl = nativeLabels.get(v);
                int nx = lbl.dim(0);
                int ny = lbl.dim(1);
                int[] qs = nativeOrganSlices(lbl, organ);
                int[] b = FewShotProtocol.chunks(qs.length, n);
                List<float[]> probs = FewShotProtocol.predictChunked(network, manager, side,
                        support, sup, organ, q, qs);
                int plane = nx * ny;
                float[] pred = new float[qs.length * plane];
                float[] truth = new float[qs.length * plane];
                for (int j = 0; j < qs.length; j++) {
                    float[] up = FewShotProtocol.resizeAligned(probs.get(j), side, ny, nx);
                    for (int i = 0; i < plane; i++) {
                        pred[j * plane + i] = up[i] > 0.5f ? 1 : 0;
                        truth[j * plane + i] = lbl.data()[qs[j] * plane + i] == organ ? 1 : 0;
                    }
                }
                double[] di = diceIou(pred, truth);
                diceSum += di[0];
                iouSum += di[1];
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("dice", di[0]);
                one.put("iou", di[1]);
                one.put("slices", qs.length);
                volTree.put(q.id(), one);
                listener.message(String.format(Locale.ROOT, "%s, volume %s: Dice %.4f (%d slices)",
                        name, q.id(), di[0], qs.length));
                if (v == 0 && qs.length > 0) {
                    int mid = qs.length / 2;
                    int k = 0;
                    while (k < n - 1 && mid >= b[k + 1]) {
                        k++;
                    }
                    float[] predS = probs.get(mid).clone();
                    for (int i = 0; i < predS.length; i++) {
                        predS[i] = predS[i] > 0.5f ? 1 : 0;
                    }
                    float[] qImg = q.imageSlice(qs[mid]);
                    figure.add(List.of(
                            new Montage.Panel(side, support.imageSlice(sup[k]),
                                    VolumeSlices.mask(support.label(), side, sup[k], organ)),
                            new Montage.Panel(side, qImg, null),
                            new Montage.Panel(side, qImg, predS),
                            new Montage.Panel(side, qImg,
                                    VolumeSlices.mask(q.label(), side, qs[mid], organ))));
                }
            }
            Map<String, Object> ot = new LinkedHashMap<>();
            double mean = diceSum / queries.size();
            ot.put("dice_mean", mean);
            ot.put("iou_mean", iouSum / queries.size());
            ot.put("volumes", volTree);
            organTree.put(name, ot);
            organSum += mean;
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("protocol", "SSL-ALPNet/ADNet: fold volumes, support = fold position "
                + config.supportIndex() + ", " + n + " support slices per organ, organ slices of"
                + " each query volume in " + n + " chunks, 3-D Dice per volume, mean over volumes");
        tree.put("setting", setting);
        tree.put("fold", fold);
        tree.put("support_volume", support.id());
        tree.put("query_volumes", vols.subList(1, vols.size()));
        tree.put("support_slices", supportTree);
        tree.put("organs", organTree);
        tree.put("mean_dice", organSum / which.size());
        Files.createDirectories(out);
        if (!figure.isEmpty()) {
            ImageIo.writeRgb(out.resolve("figure.png"), Montage.of(figure));
        }
        AtomicFiles.writeString(out.resolve("metrics.json"),
                Configs.json().writerWithDefaultPrettyPrinter().writeValueAsString(tree));
        return tree;
    }

    /** Slices (ascending) of a native label volume holding {@code organ}. */
    static int[] nativeOrganSlices(NiftiVolume lbl, int organ) {
        int plane = lbl.dim(0) * lbl.dim(1);
        List<Integer> out = new ArrayList<>();
        for (int z = 0; z < lbl.dim(2); z++) {
            for (int i = 0; i < plane; i++) {
                if (lbl.data()[z * plane + i] == organ) {
                    out.add(z);
                    break;
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
