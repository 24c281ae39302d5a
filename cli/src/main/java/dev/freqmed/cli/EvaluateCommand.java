package dev.freqmed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.freqmed.data.nifti.NiftiReader;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.GrayImage;
import dev.freqmed.metric.BinarySegmentationMetrics;
import dev.freqmed.metric.Centroid;
import dev.freqmed.metric.CentroidCsvReader;
import dev.freqmed.metric.CurveWriter;
import dev.freqmed.metric.EvaluationInputs;
import dev.freqmed.metric.EvaluationInputs.FilePair;
import dev.freqmed.metric.FeatureMatrix;
import dev.freqmed.metric.FrechetInceptionDistance;
import dev.freqmed.metric.InstanceMap;
import dev.freqmed.metric.InstanceSegmentationMetrics;
import dev.freqmed.metric.KernelInceptionDistance;
import dev.freqmed.metric.MetricResult;
import dev.freqmed.metric.NucleusTypeMetrics;
import dev.freqmed.metric.ParallelImages;
import dev.freqmed.metric.SaliencyPair;
import dev.freqmed.metric.SodMetrics;
import dev.freqmed.metric.VolumeDiceScore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code freqmed evaluate}: every metric of a task family over paired prediction/truth files. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Compute the reference metrics of a task over paired prediction and "
                + "ground-truth files (paired by file stem) and write them as JSON.")
public final class EvaluateCommand implements Callable<Integer> {

    /** Task families. */
    enum Task { binary, sod, instance, nuclei_type, fewshot, fid, kid }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--task", required = true, converter = TaskConverter.class,
            description = "binary | sod | instance | nuclei-type | fewshot | fid | kid")
    Task task;

    @Option(names = "--pred", required = true, description = "folder of predictions")
    Path pred;

    @Option(names = "--gt", required = true, description = "folder of ground truth")
    Path gt;

    @Option(names = "--out", description = "write the metrics as JSON to this file")
    Path out;

    @Option(names = "--per-image", description = "write per-image values as CSV to this file")
    Path perImage;

    @Option(names = "--threshold", defaultValue = "0.5",
            description = "binary: prediction threshold on value/max (default ${DEFAULT-VALUE}, "
                    + "i.e. bytes >= 128 as FRCU-Net)")
    double threshold;

    @Option(names = "--radius", defaultValue = "12",
            description = "nuclei-type: pairing radius in pixels (default ${DEFAULT-VALUE})")
    double radius;

    @Option(names = "--pq-extra-iou",
            description = "instance: also compute PQ at this IoU threshold below 0.5")
    Double pqExtraIou;

    @Option(names = "--label", description = "fewshot: class id to score (default: any non-zero)")
    Integer label;

    @Option(names = "--kid-subsets", defaultValue = "100",
            description = "kid: number of subsets (default ${DEFAULT-VALUE})")
    int kidSubsets;

    @Option(names = "--kid-subset-size", defaultValue = "1000",
            description = "kid: largest subset size (default ${DEFAULT-VALUE})")
    int kidSubsetSize;

    @Option(names = "--seed", defaultValue = "0",
            description = "kid: seed of numpy's legacy generator for the subsets "
                    + "(default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--curves", description = "sod: write PR and F/E curves (CSV and PNG) here")
    Path curves;

    /** Converts {@code nuclei-type} to the enum. */
    static final class TaskConverter implements picocli.CommandLine.ITypeConverter<Task> {
        @Override
        public Task convert(String value) {
            try {
                return Task.valueOf(value.replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("unknown task '" + value
                        + "'; expected binary, sod, instance, nuclei-type, fewshot, fid or kid");
            }
        }
    }

    @Override
    public Integer call() throws IOException {
        if (curves != null && task != Task.sod) {
            throw new IllegalArgumentException("--curves applies to --task sod only");
        }
        if (perImage != null && (task == Task.fid || task == Task.kid)) {
            throw new IllegalArgumentException("--per-image does not apply to --task " + task);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("task", task.name().replace('_', '-'));
        Table table = new Table();
        List<String> csv = new ArrayList<>();
        try {
            switch (task) {
                case binary -> binary(json, table, csv);
                case sod -> sod(json, table, csv);
                case instance -> instance(json, table, csv);
                case nuclei_type -> nucleiType(json, table, csv);
                case fewshot -> fewshot(json, table, csv);
                case fid, kid -> generative(json, table);
                default -> throw new IllegalStateException(task.name());
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        PrintWriter o = spec.commandLine().getOut();
        table.print(o, "freqmed evaluate --task " + json.get("task"));
        o.flush();
        if (out != null) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            AtomicFiles.writeString(out, m.writeValueAsString(json) + "\n");
        }
        if (perImage != null) {
            AtomicFiles.writeString(perImage, String.join("\n", csv) + "\n");
        }
        return 0;
    }

    private static IOException pairError(FilePair p, String message) {
        return new IOException(p.pred() + " vs " + p.truth() + ": " + message);
    }

    private static void sameSize(FilePair p, int w1, int h1, int w2, int h2) throws IOException {
        if (w1 != w2 || h1 != h2) {
            throw pairError(p, "size mismatch: prediction is " + w1 + "x" + h1
                    + ", ground truth is " + w2 + "x" + h2);
        }
    }

    private static List<String> names(List<FilePair> pairs) {
        return pairs.stream().map(FilePair::name).toList();
    }

    private void binary(Map<String, Object> json, Table table,
            List<String> csv) throws IOException {
        List<FilePair> pairs = EvaluationInputs.pair(pred, gt, EvaluationInputs.IMAGE_EXTENSIONS,
                "mask");
        List<BinarySegmentationMetrics> per = ParallelImages.map(pairs.size(), i -> {
            FilePair p = pairs.get(i);
            try {
                GrayImage a = EvaluationInputs.readGray(p.pred());
                GrayImage b = EvaluationInputs.readBinaryMask(p.truth());
                sameSize(p, a.width(), a.height(), b.width(), b.height());
                BinarySegmentationMetrics m = new BinarySegmentationMetrics(threshold);
                m.update(a, b);
                return m;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        BinarySegmentationMetrics all = new BinarySegmentationMetrics(threshold);
        for (BinarySegmentationMetrics m : per) {
            all.merge(m);
        }
        MetricResult r = all.result();
        json.put("threshold", threshold);
        json.put("names", names(pairs));
        json.putAll(r.toTree());
        table.row("images", pairs.size());
        table.row("accuracy", r.get("accuracy"));
        table.row("sensitivity (recall)", r.get("sensitivity"));
        table.row("specificity", r.get("specificity"));
        table.row("precision", r.get("precision"));
        table.row("f1 (pooled Dice)", r.get("f1"));
        table.row("IoU (jaccard_score, pooled)", r.get("jaccard_score"));
        table.row("legacy 'jaccard' of FRCU-Net (= accuracy)",
                r.get("jaccard_similarity_score_legacy"));
        table.row("auc_roc (binarised scores)", r.get("auc_roc"));
        table.row("mean per-image Dice", r.get("mean_image_dice"));
        table.row("mean per-image IoU", r.get("mean_image_iou"));
        csv.add("name,dice,iou");
        double[] d = r.curve("per_image_dice");
        double[] j = r.curve("per_image_iou");
        for (int i = 0; i < pairs.size(); i++) {
            csv.add(pairs.get(i).name() + "," + d[i] + "," + j[i]);
        }
    }

    private void sod(Map<String, Object> json, Table table, List<String> csv) throws IOException {
        List<FilePair> pairs = EvaluationInputs.pair(pred, gt, EvaluationInputs.IMAGE_EXTENSIONS,
                "map");
        List<SodMetrics.ImageResult> per = SodMetrics.evaluateAll(pairs.size(), i -> {
            FilePair p = pairs.get(i);
            try {
                GrayImage a = EvaluationInputs.readGray(p.pred());
                GrayImage b = EvaluationInputs.readBinaryMask(p.truth());
                if (a.bitDepth() != 8 || b.bitDepth() != 8) {
                    throw pairError(p, "SOD maps and masks must be 8-bit, found " + a.bitDepth()
                            + "-bit prediction and " + b.bitDepth() + "-bit ground truth");
                }
                sameSize(p, a.width(), a.height(), b.width(), b.height());
                return SaliencyPair.of(a, b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        SodMetrics m = new SodMetrics();
        per.forEach(m::add);
        MetricResult r = m.result();
        json.put("names", names(pairs));
        json.putAll(r.toTree());
        List<Map<String, Object>> perJson = new ArrayList<>();
        List<String> keys = List.of("MAE", "Smeasure", "wFmeasure", "adpE", "meanE", "maxE",
                "adpF", "meanF", "maxF", "HCE");
        csv.add("name," + String.join(",", keys));
        for (int i = 0; i < per.size(); i++) {
            MetricResult one = per.get(i).toResult();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", pairs.get(i).name());
            StringBuilder line = new StringBuilder(pairs.get(i).name());
            for (String k : keys) {
                row.put(k, one.toTree().get(k));
                line.append(',').append(one.get(k));
            }
            perJson.add(row);
            csv.add(line.toString());
        }
        json.put("per_image", perJson);
        table.row("images", pairs.size());
        for (String k : keys) {
            table.row(k, r.get(k));
        }
        if (curves != null) {
            CurveWriter.write(r, curves);
        }
    }

    private void instance(Map<String, Object> json, Table table,
            List<String> csv) throws IOException {
        List<FilePair> pairs = EvaluationInputs.pair(pred, gt, EvaluationInputs.INSTANCE_EXTENSIONS,
                "instance map");
        InstanceSegmentationMetrics metric = new InstanceSegmentationMetrics(
                pqExtraIou == null ? Double.NaN : pqExtraIou);
        List<MetricResult> per = metric.computeAll(pairs.size(), i -> {
            FilePair p = pairs.get(i);
            try {
                InstanceMap a = EvaluationInputs.readInstanceMap(p.pred());
                InstanceMap b = EvaluationInputs.readInstanceMap(p.truth());
                sameSize(p, a.width(), a.height(), b.width(), b.height());
                return new InstanceMap[] {a, b};
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        per.forEach(metric::add);
        MetricResult r = metric.result();
        json.put("names", names(pairs));
        json.putAll(r.toTree());
        table.row("images", pairs.size());
        r.nested("mean_over_images").scalars().forEach((k, v) -> table.row("mean " + k, v));
        List<String> keys = new ArrayList<>(per.get(0).scalars().keySet());
        csv.add("name," + String.join(",", keys));
        for (int i = 0; i < per.size(); i++) {
            StringBuilder line = new StringBuilder(pairs.get(i).name());
            for (String k : keys) {
                line.append(',').append(format(per.get(i).get(k)));
            }
            csv.add(line.toString());
        }
    }

    private void nucleiType(Map<String, Object> json, Table table,
            List<String> csv) throws IOException {
        List<FilePair> pairs = EvaluationInputs.pair(pred, gt, Set.of("csv", "mat"),
                "centroid CSV or .mat");
        NucleusTypeMetrics m = new NucleusTypeMetrics(radius);
        for (FilePair p : pairs) {
            List<Centroid> a = CentroidCsvReader.read(p.pred());
            List<Centroid> b = CentroidCsvReader.read(p.truth());
            m.update(a, b);
        }
        MetricResult r = m.result();
        json.put("radius", radius);
        json.put("names", names(pairs));
        json.putAll(r.toTree());
        table.row("images", pairs.size());
        table.row("f1_d (detection)", r.get("f1_d"));
        table.row("acc_type", r.get("acc_type"));
        r.nested("f1_type").scalars().forEach((k, v) -> table.row("f1 type " + k, v));
        csv.add("name,paired,unpaired_true,unpaired_pred");
        List<MetricResult> pairing = r.list("per_image_pairing");
        for (int i = 0; i < pairs.size(); i++) {
            Map<String, Object> t = pairing.get(i).toTree();
            csv.add(pairs.get(i).name() + "," + ((List<?>) t.get("paired")).size() + ","
                    + ((List<?>) t.get("unpaired_true")).size() + ","
                    + ((List<?>) t.get("unpaired_pred")).size());
        }
    }

    private int[] volume(Path path) throws IOException {
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

    private void fewshot(Map<String, Object> json, Table table,
            List<String> csv) throws IOException {
        List<FilePair> pairs = EvaluationInputs.pair(pred, gt, Set.of("nii", "nii.gz", "png"),
                "volume");
        VolumeDiceScore m = new VolumeDiceScore();
        for (FilePair p : pairs) {
            int[] a = volume(p.pred());
            int[] b = volume(p.truth());
            if (a.length != b.length) {
                throw pairError(p, "size mismatch: prediction has " + a.length
                        + " voxels, label has " + b.length);
            }
            m.update(a, b);
        }
        MetricResult r = m.result();
        json.put("names", names(pairs));
        if (label != null) {
            json.put("label", label);
        }
        json.putAll(r.toTree());
        table.row("volumes", pairs.size());
        for (String k : List.of("class_mean_dice", "class_mean_iou", "pooled_dice", "pooled_iou")) {
            table.row(k + " (float32)", r.get(k));
        }
        csv.add("name,dice,iou");
        for (int i = 0; i < pairs.size(); i++) {
            csv.add(pairs.get(i).name() + "," + format(r.curve("patient_dice")[i]) + ","
                    + format(r.curve("patient_iou")[i]));
        }
    }

    private static FeatureMatrix features(Path dir) throws IOException {
        List<Path> files = EvaluationInputs.list(dir, Set.of("csv"), "feature CSV");
        List<FeatureMatrix> parts = new ArrayList<>();
        int rows = 0;
        for (Path f : files) {
            FeatureMatrix m = FeatureMatrix.readCsv(f);
            if (!parts.isEmpty() && m.cols() != parts.get(0).cols()) {
                throw new IOException(f + ": " + m.cols() + " features per row, but "
                        + files.get(0).getFileName() + " has " + parts.get(0).cols());
            }
            parts.add(m);
            rows += m.rows();
        }
        int cols = parts.get(0).cols();
        double[] data = new double[rows * cols];
        int at = 0;
        for (FeatureMatrix m : parts) {
            System.arraycopy(m.data(), 0, data, at, m.data().length);
            at += m.data().length;
        }
        return new FeatureMatrix(rows, cols, data);
    }

    private void generative(Map<String, Object> json, Table table) throws IOException {
        FeatureMatrix f1 = features(pred);
        FeatureMatrix f2 = features(gt);
        if (f1.cols() != f2.cols()) {
            throw new IOException(pred + " vs " + gt + ": feature dimensions differ ("
                    + f1.cols() + " vs " + f2.cols() + ")");
        }
        json.put("samples_pred", f1.rows());
        json.put("samples_gt", f2.rows());
        table.row("samples (pred)", f1.rows());
        table.row("samples (gt)", f2.rows());
        if (task == Task.fid) {
            MetricResult r = FrechetInceptionDistance.compute(f1, f2);
            json.putAll(r.toTree());
            table.row("FID", r.get("fid"));
        } else {
            KernelInceptionDistance k = new KernelInceptionDistance(kidSubsets, kidSubsetSize,
                    seed);
            k.update(f1, f2);
            MetricResult r = k.result();
            json.putAll(r.toTree());
            table.row("KID", r.get("kid"));
            table.row("subsets x size", kidSubsets + " x " + (long) r.get("subset_size"));
        }
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "NaN" : Double.toString(v);
    }

    /** A two-column table for people. */
    private static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        void row(String name, Object value) {
            String v = value instanceof Double d
                    ? (Double.isNaN(d) ? "NaN" : String.format(Locale.ROOT, "%.6f", d))
                    : String.valueOf(value);
            rows.add(new String[] {name, v});
        }

        void print(PrintWriter o, String title) {
            int w = 6;
            for (String[] r : rows) {
                w = Math.max(w, r[0].length());
            }
            o.println(title);
            for (String[] r : rows) {
                o.printf(Locale.ROOT, "  %-" + w + "s  %s%n", r[0], r[1]);
            }
        }
    }
}
