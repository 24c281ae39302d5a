package dev.freqmed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.metric.BinaryProtocol;
import dev.freqmed.metric.CurveWriter;
import dev.freqmed.metric.EvaluationFamily;
import dev.freqmed.metric.EvaluationReport;
import dev.freqmed.metric.EvaluationRequest;
import dev.freqmed.metric.MetricRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code freqmed evaluate}: every metric of a task family over paired prediction/truth files. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Compute the reference metrics of a task over paired prediction and "
                + "ground-truth files (paired by file stem) and write them as JSON.")
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--task", required = true, converter = FamilyConverter.class,
            completionCandidates = FamilyNames.class,
            description = "${COMPLETION-CANDIDATES}")
    EvaluationFamily task;

    @Option(names = "--pred", required = true, description = "folder of predictions")
    Path pred;

    @Option(names = "--gt", required = true, description = "folder of ground truth")
    Path gt;

    @Option(names = "--out", description = "write the metrics as JSON to this file")
    Path out;

    @Option(names = "--per-image", description = "write per-image values as CSV to this file")
    Path perImage;

    @Option(names = "--threshold",
            description = "binary: prediction threshold on value/max (default 0.5, "
                    + "i.e. bytes >= 128 as FRCU-Net)")
    Double threshold;

    @Option(names = "--protocol", converter = ProtocolConverter.class,
            description = "binary: native (default; at the ground truth's size) or reference "
                    + "(as FRCU-Net's Evaluate_Skin.py, at the network's input size)")
    BinaryProtocol protocol;

    @Option(names = "--size",
            description = "binary, reference protocol: the network's square input side "
                    + "(default: the prediction maps' side)")
    Integer size;

    @Option(names = "--radius",
            description = "nuclei-type: pairing radius in pixels (default 12)")
    Double radius;

    @Option(names = "--pq-extra-iou",
            description = "instance: also compute PQ at this IoU threshold below 0.5")
    Double pqExtraIou;

    @Option(names = "--label", description = "fewshot: class id to score (default: any non-zero)")
    Integer label;

    @Option(names = "--kid-subsets", description = "kid: number of subsets (default 100)")
    Integer kidSubsets;

    @Option(names = "--kid-subset-size",
            description = "kid: largest subset size (default 1000)")
    Integer kidSubsetSize;

    @Option(names = "--seed",
            description = "kid: seed of numpy's legacy generator for the subsets (default 0)")
    Long seed;

    @Option(names = "--inception", paramLabel = "FILE",
            description = "fid/kid on image folders: Inception-V3 weights (pytorch-fid's"
                    + " pt_inception-2015-12-05 .pth or torchvision's inception_v3 .pth);"
                    + " clean-fid's resize and pool3 features")
    Path inception;

    @Option(names = "--features", paramLabel = "MODEL_DIR",
            description = "fid/kid on image folders: a FreqMed checkpoint as offline feature"
                    + " extractor (not clean-fid numbers)")
    Path features;

    @Option(names = "--save-stats", paramLabel = "FILE",
            description = "fid/kid: save the ground truth's features and statistics here;"
                    + " give the file as --gt later to reuse them")
    Path saveStats;

    @Option(names = "--curves", description = "sod: write PR and F/E curves (CSV and PNG) here")
    Path curves;

    /** Looks the task up in the registry. */
    static final class FamilyConverter implements ITypeConverter<EvaluationFamily> {
        @Override
        public EvaluationFamily convert(String value) {
            try {
                return MetricRegistry.family(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** The registered task names, for help and completion. */
    static final class FamilyNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return MetricRegistry.families().iterator();
        }
    }

    /** Parses {@code native}/{@code reference}. */
    static final class ProtocolConverter implements ITypeConverter<BinaryProtocol> {
        @Override
        public BinaryProtocol convert(String value) {
            try {
                return BinaryProtocol.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws IOException {
        EvaluationRequest request = EvaluationRequest.builder().setPredictions(pred).setTruth(gt)
                .optThreshold(threshold).optProtocol(protocol).optSize(size).optRadius(radius)
                .optPqExtraIou(pqExtraIou).optLabel(label).optKidSubsets(kidSubsets)
                .optKidSubsetSize(kidSubsetSize).optSeed(seed).optPerImage(perImage != null)
                .optCurves(curves != null).optInception(inception).optFeatures(features)
                .optSaveStats(saveStats).optProgress(progress()).build();
        EvaluationReport report = task.evaluate(request);
        PrintWriter o = spec.commandLine().getOut();
        print(o, "freqmed evaluate --task " + report.family(), report);
        o.flush();
        if (out != null) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            AtomicFiles.writeString(out, m.writeValueAsString(report.values()) + "\n");
        }
        if (perImage != null) {
            AtomicFiles.writeString(perImage, report.perImage().orElseThrow().toCsv());
        }
        if (curves != null) {
            CurveWriter.write(report.curves().orElseThrow(), curves);
        }
        return 0;
    }

    /** Progress of feature extraction on the error stream (one updated line). */
    private java.util.function.BiConsumer<Integer, Integer> progress() {
        PrintWriter err = spec.commandLine().getErr();
        return (done, total) -> {
            err.printf(Locale.ROOT, "\rfeatures: %d/%d images", done, total);
            if (done.equals(total)) {
                err.println();
            }
            err.flush();
        };
    }

    /** Prints the summary as a two-column table. */
    private static void print(PrintWriter o, String title, EvaluationReport report) {
        int w = 6;
        for (EvaluationReport.Line l : report.summary()) {
            w = Math.max(w, l.label().length());
        }
        o.println(title);
        for (EvaluationReport.Line l : report.summary()) {
            String v = l.value() instanceof Double d
                    ? (Double.isNaN(d) ? "NaN" : String.format(Locale.ROOT, "%.6f", d))
                    : String.valueOf(l.value());
            o.printf(Locale.ROOT, "  %-" + w + "s  %s%n", l.label(), v);
        }
    }
}
