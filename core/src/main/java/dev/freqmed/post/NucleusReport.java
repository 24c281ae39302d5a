package dev.freqmed.post;

import dev.freqmed.data.NucleusFolderReader;
import dev.freqmed.data.stain.HedDeconvolution;
import dev.freqmed.infer.ObjectClasses;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.CsvFields;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import dev.freqmed.train.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Counts, densities and IHC quantification of predicted nuclei, per image and in total, from the
 * files an instance prediction writes ({@code instances/STEM.png} 16-bit ids, optional
 * {@code types/STEM.png}) and, for the stain measures, the original images.
 *
 * <p>Per nucleus: its type is the most frequent non-zero value of the type map under it (0
 * without a type map); its DAB optical density is the mean over its pixels of the DAB channel of
 * {@link HedDeconvolution}, in decadic units ({@code 6 x} scikit-image's scale). With the
 * thresholds {@code t1 < t2 < t3} (default 0.2, 0.4, 0.6, the values QuPath's positive cell
 * detection proposes for nuclear DAB OD; stain vectors differ between tools, so calibrate
 * thresholds per stain and scanner) a nucleus scores 0 below t1, 1+ from t1, 2+ from t2, 3+ from
 * t3.
 *
 * <p>Per group of nuclei (an image or all images; all types or one type): count; density per
 * mm&sup2; when the pixel size is known (image area = pixels x pixel size&sup2;), else per
 * megapixel; positivity index = % of nuclei scoring 1+ or more; H-score = 1 x %1+ + 2 x %2+ + 3 x
 * %3+ (0..300); mean DAB OD. The totals pool the nuclei and areas of all images.
 */
public final class NucleusReport {

    /** Default DAB OD thresholds of 1+, 2+ and 3+. */
    public static final double[] DEFAULT_THRESHOLDS = {0.2, 0.4, 0.6};

    /**
     * One row: a group of nuclei.
     *
     * @param image       image stem or {@code "total"}
     * @param type        type id, or -1 for all types
     * @param typeName    type name ({@code "all"} for all types)
     * @param count       nuclei
     * @param areaPixels  image area in pixels
     * @param density     nuclei per mm&sup2; (pixel size known) or per megapixel
     * @param scored      nuclei with a DAB measure (0 without the image)
     * @param bins        nuclei scoring 0, 1+, 2+, 3+
     * @param meanDabOd   mean of the nuclei's DAB OD (NaN when none is scored)
     */
    public record Row(String image, int type, String typeName, int count, long areaPixels,
            double density, int scored, int[] bins, double meanDabOd) {

        /** % of scored nuclei at 1+ or more (NaN when none is scored). */
        public double positivityIndex() {
            return scored == 0 ? Double.NaN : 100.0 * (bins[1] + bins[2] + bins[3]) / scored;
        }

        /** H-score 0..300 (NaN when none is scored). */
        public double hScore() {
            return scored == 0 ? Double.NaN
                    : 100.0 * (bins[1] + 2.0 * bins[2] + 3.0 * bins[3]) / scored;
        }
    }

    /**
     * The report.
     *
     * @param rows             per image (all types, then each type), then the totals
     * @param pixelSizeMicrons pixel size, or NaN when unknown
     * @param withoutImage     stems whose original image was not found (no DAB measures)
     */
    public record Result(List<Row> rows, double pixelSizeMicrons, List<String> withoutImage) {
    }

    private record Nucleus(int type, double dabOd) {
    }

    private NucleusReport() {
    }

    /**
     * Builds the report of a prediction folder.
     *
     * @param predDir          folder with {@code instances/} (and optionally {@code types/})
     * @param imagesDir        folder of the original images (matched by stem), or null
     * @param pixelSizeMicrons pixel size in micrometres, or NaN
     * @param typeNames        type id to name (missing ids are called {@code type N})
     * @param thresholds       DAB OD thresholds of 1+, 2+, 3+, increasing
     * @throws IOException naming the file: missing {@code instances/}, an instance map that is
     *                     not 16-bit grey, maps or images of different sizes
     */
    public static Result compute(Path predDir, Path imagesDir, double pixelSizeMicrons,
            Map<Integer, String> typeNames, double[] thresholds, ProgressListener progress)
            throws IOException {
        if (thresholds.length != 3 || !(thresholds[0] < thresholds[1])
                || !(thresholds[1] < thresholds[2])) {
            throw new IllegalArgumentException("expected three increasing DAB thresholds, found "
                    + java.util.Arrays.toString(thresholds));
        }
        if (!Double.isNaN(pixelSizeMicrons) && !(pixelSizeMicrons > 0)) {
            throw new IllegalArgumentException("pixel size must be > 0, found "
                    + pixelSizeMicrons);
        }
        Path instDir = predDir.resolve("instances");
        if (!Files.isDirectory(instDir)) {
            throw new NoSuchFileException(instDir.toString(), null,
                    "no instances/ folder of 16-bit instance PNGs in the prediction folder");
        }
        List<Path> maps;
        try (Stream<Path> s = Files.list(instDir)) {
            maps = s.filter(ImageIo::isImage).sorted().toList();
        }
        if (maps.isEmpty()) {
            throw new IOException(instDir + ": no instance maps");
        }
        List<Row> rows = new ArrayList<>();
        List<String> withoutImage = new ArrayList<>();
        List<Nucleus> all = new ArrayList<>();
        long totalArea = 0;
        TreeMap<Integer, Boolean> typesSeen = new TreeMap<>();
        for (int k = 0; k < maps.size(); k++) {
            Path mapPath = maps.get(k);
            String stem = ImageIo.stem(mapPath);
            GrayImage instMap = NucleusFolderReader.readInstanceMap(mapPath);
            int[] inst = instMap.data();
            int h = instMap.height();
            int w = instMap.width();
            int[] types = null;
            Path typePath = predDir.resolve("types").resolve(stem + ".png");
            if (Files.isRegularFile(typePath)) {
                GrayImage t = ImageIo.readGray(typePath);
                if (t.width() != w || t.height() != h) {
                    throw new IOException(typePath + ": type map is " + t.width() + "x"
                            + t.height() + " but the instance map is " + w + "x" + h);
                }
                types = t.data();
            }
            RgbImage image = null;
            Path imagePath = imagesDir == null ? null : findImage(imagesDir, stem);
            if (imagePath != null) {
                image = ImageIo.readRgb(imagePath);
                if (image.width() != w || image.height() != h) {
                    throw new IOException(imagePath + ": image is " + image.width() + "x"
                            + image.height() + " but its instance map " + mapPath + " is " + w
                            + "x" + h);
                }
            } else {
                withoutImage.add(stem);
            }
            List<Nucleus> nuclei = measure(inst, types, image);
            for (Nucleus n : nuclei) {
                typesSeen.put(n.type(), true);
            }
            long area = (long) h * w;
            rows.addAll(group(stem, nuclei, area, pixelSizeMicrons, typeNames, thresholds,
                    null));
            all.addAll(nuclei);
            totalArea += area;
            progress.message(String.format(Locale.ROOT, "%d/%d %s: %d nuclei", k + 1,
                    maps.size(), stem, nuclei.size()));
        }
        rows.addAll(group("total", all, totalArea, pixelSizeMicrons, typeNames, thresholds,
                typesSeen));
        return new Result(rows, pixelSizeMicrons, withoutImage);
    }

    private static Path findImage(Path dir, String stem) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "images folder not found");
        }
        for (String ext : new String[] {"png", "tif", "tiff", "jpg", "jpeg", "bmp"}) {
            Path p = dir.resolve(stem + "." + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static List<Nucleus> measure(int[] inst, int[] types, RgbImage image) {
        int max = 0;
        for (int v : inst) {
            max = Math.max(max, v);
        }
        int[] area = new int[max + 1];
        double[] dab = image == null ? null : HedDeconvolution.meanDabOpticalDensity(inst, image);
        Map<Integer, int[]> hist = new TreeMap<>();
        for (int i = 0; i < inst.length; i++) {
            int id = inst[i];
            if (id == 0) {
                continue;
            }
            area[id]++;
            if (types != null && types[i] != 0) {
                hist.computeIfAbsent(id, x -> new int[256])[types[i]]++;
            }
        }
        List<Nucleus> out = new ArrayList<>();
        for (int id = 1; id <= max; id++) {
            if (area[id] == 0) {
                continue;
            }
            int type = 0;
            int[] hg = hist.get(id);
            if (hg != null) {
                for (int t = 1; t < 256; t++) {
                    if (hg[t] > hg[type] || (type == 0 && hg[t] > 0)) {
                        type = t;
                    }
                }
            }
            out.add(new Nucleus(type, dab == null ? Double.NaN : dab[id]));
        }
        return out;
    }

    private static List<Row> group(String image, List<Nucleus> nuclei, long area,
            double pixelSize, Map<Integer, String> names, double[] thresholds,
            TreeMap<Integer, Boolean> typeList) {
        TreeMap<Integer, Boolean> types = new TreeMap<>();
        if (typeList != null) {
            types.putAll(typeList);
        }
        for (Nucleus n : nuclei) {
            types.put(n.type(), true);
        }
        List<Row> rows = new ArrayList<>();
        rows.add(row(image, -1, "all", nuclei, area, pixelSize, thresholds));
        for (Iterator<Integer> it = types.keySet().iterator(); it.hasNext();) {
            int t = it.next();
            List<Nucleus> sub = nuclei.stream().filter(n -> n.type() == t).toList();
            rows.add(row(image, t, names.getOrDefault(t, "type " + t), sub, area, pixelSize,
                    thresholds));
        }
        return rows;
    }

    private static Row row(String image, int type, String name, List<Nucleus> nuclei, long area,
            double pixelSize, double[] thresholds) {
        int[] bins = new int[4];
        int scored = 0;
        double sum = 0;
        for (Nucleus n : nuclei) {
            if (Double.isNaN(n.dabOd())) {
                continue;
            }
            scored++;
            sum += n.dabOd();
            int b = 0;
            while (b < 3 && n.dabOd() >= thresholds[b]) {
                b++;
            }
            bins[b]++;
        }
        double density = Double.isNaN(pixelSize)
                ? nuclei.size() / (area / 1e6)
                : nuclei.size() / (area * pixelSize * pixelSize * 1e-6);
        return new Row(image, type, name, nuclei.size(), area, density, scored, bins,
                scored == 0 ? Double.NaN : sum / scored);
    }

    /**
     * Reads type names from a JSON file shaped like {@code {"types": {"1": {"name": "..."}}}}
     * (the CoNSeP sample's {@code types.json}) or {@code {"1": ["name", [r, g, b]]}} (HoVer-Net's
     * {@code type_info.json}).
     *
     * @throws IOException naming the file when it is not such JSON
     */
    public static Map<Integer, String> readTypeNames(Path json) throws IOException {
        return ObjectClasses.read(json).names();
    }

    /**
     * Writes {@code report.csv} and {@code report.html} into {@code outDir} (each atomically).
     */
    public static void write(Result r, Path outDir) throws IOException {
        boolean mm = !Double.isNaN(r.pixelSizeMicrons());
        String densityCol = mm ? "density_per_mm2" : "density_per_megapixel";
        StringBuilder csv = new StringBuilder("image,type,type_name,count,area_pixels,"
                + densityCol + ",scored,score_0,score_1,score_2,score_3,positivity_index_pct,"
                + "h_score,mean_dab_od\n");
        for (Row x : r.rows()) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%s,%d,%d,%.4f,%d,%d,%d,%d,%d,%s,%s,%s%n",
                    CsvFields.quote(x.image()), x.type(), CsvFields.quote(x.typeName()), x.count(),
                    x.areaPixels(), x.density(), x.scored(), x.bins()[0], x.bins()[1],
                    x.bins()[2], x.bins()[3], num(x.positivityIndex(), 2), num(x.hScore(), 1),
                    num(x.meanDabOd(), 4)));
        }
        AtomicFiles.writeString(outDir.resolve("report.csv"), csv.toString());
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html><head>"
                + "<meta charset=\"utf-8\"><title>Nucleus report</title>"
                + "<style>body{font-family:sans-serif}"
                + "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;"
                + "text-align:right}td:first-child,td:nth-child(2){text-align:left}"
                + "tr.total{font-weight:bold}</style></head><body>\n<h1>Nucleus report</h1>\n");
        html.append("<p>Density is per ").append(mm ? "mm&sup2; (pixel size "
                + String.format(Locale.ROOT, "%.4g", r.pixelSizeMicrons()) + " &micro;m)"
                : "megapixel (pixel size unknown)").append(". DAB optical density: mean over each"
                + " nucleus of the Ruifrok&ndash;Johnston DAB channel (decadic). Positivity index"
                + " = % of nuclei at 1+ or more; H-score = 1&times;%1+ + 2&times;%2+ +"
                + " 3&times;%3+.</p>\n");
        if (!r.withoutImage().isEmpty()) {
            html.append("<p>No original image, so no DAB measures, for: ")
                    .append(escape(String.join(", ", r.withoutImage()))).append("</p>\n");
        }
        html.append("<table><tr><th>image</th><th>type</th><th>count</th><th>density</th>"
                + "<th>scored</th><th>0</th><th>1+</th><th>2+</th><th>3+</th>"
                + "<th>positivity %</th><th>H-score</th><th>mean DAB OD</th></tr>\n");
        for (Row x : r.rows()) {
            html.append(x.image().equals("total") ? "<tr class=\"total\">" : "<tr>")
                    .append("<td>").append(escape(x.image())).append("</td><td>")
                    .append(escape(x.typeName())).append("</td>")
                    .append(String.format(Locale.ROOT,
                            "<td>%d</td><td>%.1f</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td>"
                            + "<td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>%n",
                            x.count(), x.density(), x.scored(), x.bins()[0], x.bins()[1],
                            x.bins()[2], x.bins()[3], num(x.positivityIndex(), 2),
                            num(x.hScore(), 1), num(x.meanDabOd(), 4)));
        }
        html.append("</table>\n</body></html>\n");
        AtomicFiles.writeString(outDir.resolve("report.html"), html.toString());
    }

    private static String num(double v, int digits) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
