package dev.freqmed.cli;

import dev.freqmed.post.NucleusReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code freqmed nuclei report}: counts, densities and DAB quantification of predictions. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Per image and in total: nuclei per type, density (per mm² with "
                + "--pixel-size), and from the DAB channel of the original image the "
                + "positivity index and H-score. Writes report.csv and report.html.")
public final class NucleiReportCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--pred", required = true,
            description = "prediction folder (instances/STEM.png, optional types/STEM.png)")
    Path pred;

    @Option(names = "--images",
            description = "folder of the original images (by stem), for the DAB measures")
    Path images;

    @Option(names = "--pixel-size", description = "pixel size in micrometres (e.g. 0.25 at 40x)")
    Double pixelSize;

    @Option(names = "--types", description = "type names: JSON like the CoNSeP types.json or "
            + "HoVer-Net's type_info.json")
    Path types;

    @Option(names = "--thresholds", split = ",", defaultValue = "0.2,0.4,0.6",
            description = "DAB optical density thresholds of 1+, 2+, 3+ (default 0.2,0.4,0.6)")
    double[] thresholds;

    @Option(names = "--out", description = "output folder (default PRED/report)")
    Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        Map<Integer, String> names = types == null ? Map.of() : NucleusReport.readTypeNames(types);
        NucleusReport.Result r = NucleusReport.compute(pred, images,
                pixelSize == null ? Double.NaN : pixelSize, names, thresholds,
                new ConsoleProgress(o));
        Path dir = out == null ? pred.resolve("report") : out;
        NucleusReport.write(r, dir);
        for (NucleusReport.Row row : r.rows()) {
            if (row.image().equals("total")) {
                o.printf(Locale.ROOT, "total %-16s %6d nuclei  %10.1f per %s  positivity %s%%"
                        + "  H-score %s%n", row.typeName(), row.count(), row.density(),
                        pixelSize == null ? "Mpx" : "mm2", fmt(row.positivityIndex()),
                        fmt(row.hScore()));
            }
        }
        if (!r.withoutImage().isEmpty()) {
            o.println("no original image (no DAB measures) for " + r.withoutImage().size()
                    + " image(s)" + (images == null ? "; give --images" : ""));
        }
        o.println("wrote " + dir.resolve("report.csv") + " and " + dir.resolve("report.html"));
        o.flush();
        return 0;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
    }
}
