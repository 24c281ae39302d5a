package dev.freqmed.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.stain.HedDeconvolution;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.CsvFields;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an instance segmentation ({@link PredictionOutput#INSTANCES}, optionally
 * {@link PredictionOutput#TYPES} and {@link PredictionOutput#TYPE_PROBABILITY}):
 * <ul>
 *   <li>{@code instances/STEM.png}: 16-bit labels, 0 = background (not written above 65,535
 *       objects, whose ids a 16-bit PNG cannot hold);
 *   <li>{@code types/STEM.png}: 8-bit class per pixel (when the prediction has types);
 *   <li>{@code objects/STEM.csv}: {@code id,x,y,area,type,type_name,type_probability,dab_od} —
 *       centroid in pixels (column, row: the mean of the object's pixel coordinates), area in
 *       pixels, type = the most frequent class inside the object (0 without types) and its name
 *       ({@link ObjectClasses}), the class probability the model gave the object (empty when it
 *       gives none), and the mean DAB optical density of the object's pixels
 *       ({@link HedDeconvolution#meanDabOpticalDensity}, decadic, as {@code nuclei report}
 *       scores it; empty without the image);
 *   <li>{@code objects/STEM.geojson}: a FeatureCollection with one feature per object whose
 *       geometry follows the pixel edges ({@link PixelOutlines}: pixel (x, y) is the square
 *       [x, x+1] &times; [y, y+1], so the polygon area equals the pixel area; a Polygon with
 *       holes, or a MultiPolygon for an object in several 4-connected pieces; valid for JTS),
 *       properties {@code id}, {@code type}, {@code area}, QuPath's
 *       {@code objectType: "detection"}, {@code classification} ({@code name} = the class name,
 *       {@code color} [r, g, b]) and {@code measurements} (area, class probability, DAB OD
 *       mean), so QuPath and GeoJSON tools read it. Note the CSV centroids put pixel centres at
 *       integer coordinates, the GeoJSON at half-integers;
 *   <li>{@code overlays/STEM.png}: the image with each object's outline (its pixels that touch
 *       another label) in its class's colour (when the image is known).
 * </ul>
 */
public final class InstanceWriter implements PredictionWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(InstanceWriter.class);

    private final ObjectClasses classes;

    /** A writer that calls the classes {@code type N}. */
    public InstanceWriter() {
        this(ObjectClasses.unnamed());
    }

    /**
     * @param classes names and colours of the classes
     */
    public InstanceWriter(ObjectClasses classes) {
        this.classes = classes;
    }

    @Override
    public void write(Path dir, String stem, FloatImage original, Prediction prediction)
            throws IOException {
        write(dir, stem, InstanceLabels.of(prediction, original, stem));
    }

    /**
     * Writes the files of one image's instances.
     *
     * @param dir  the output folder
     * @param stem the image's name without extension
     * @param map  the labels, classes and pixels; above 65,535 objects, whose ids a 16-bit PNG
     *             cannot hold, {@code instances/STEM.png} is left out with a warning (the CSV and
     *             the GeoJSON hold every object)
     * @throws IOException when a file cannot be written
     */
    public void write(Path dir, String stem, InstanceLabels map) throws IOException {
        int h = map.height();
        int w = map.width();
        int[] labels = map.labels();
        int max = map.count();
        if (max <= 65535) {
            ImageIo.writeGray16(dir.resolve("instances").resolve(stem + ".png"),
                    new GrayImage(w, h, 16, labels));
        } else {
            LOG.warn("{}: {} objects, more than a 16-bit PNG holds; instances/{}.png is not"
                    + " written (objects/{}.csv and .geojson hold them all)", stem, max, stem, stem);
        }
        int[] cls = map.types();
        if (cls != null) {
            ImageIo.writeGray8(dir.resolve("types").resolve(stem + ".png"),
                    new GrayImage(w, h, 8, cls));
        }
        // Per object: area, coordinate sums, bounding box, type histogram; DAB OD as the
        // nucleus report measures it.
        RgbImage image = map.image();
        double[] dab = image == null ? null
                : HedDeconvolution.meanDabOpticalDensity(labels, image);
        long[] area = new long[max + 1];
        double[] sx = new double[max + 1];
        double[] sy = new double[max + 1];
        int[] x0 = new int[max + 1];
        int[] y0 = new int[max + 1];
        int[] x1 = new int[max + 1];
        int[] y1 = new int[max + 1];
        java.util.Arrays.fill(x0, Integer.MAX_VALUE);
        java.util.Arrays.fill(y0, Integer.MAX_VALUE);
        Map<Integer, int[]> hist = new LinkedHashMap<>();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int id = labels[y * w + x];
                if (id == 0) {
                    continue;
                }
                area[id]++;
                sx[id] += x;
                sy[id] += y;
                x0[id] = Math.min(x0[id], x);
                y0[id] = Math.min(y0[id], y);
                x1[id] = Math.max(x1[id], x);
                y1[id] = Math.max(y1[id], y);
                if (cls != null) {
                    hist.computeIfAbsent(id, k -> new int[256])[cls[y * w + x]]++;
                }
            }
        }
        int[] objectType = new int[max + 1];
        StringBuilder csv = new StringBuilder(
                "id,x,y,area,type,type_name,type_probability,dab_od\n");
        List<Map<String, Object>> features = new ArrayList<>();
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
            objectType[id] = type;
            String name = classes.name(type);
            float[] probs = map.typeProbability();
            Double probability = probs == null ? null : (double) probs[id - 1];
            Double dabMean = dab == null ? null : dab[id];
            csv.append(String.format(Locale.ROOT, "%d,%.3f,%.3f,%d,%d,%s,%s,%s%n", id,
                    sx[id] / area[id], sy[id] / area[id], area[id], type, CsvFields.quote(name),
                    probability == null ? "" : String.format(Locale.ROOT, "%.4f", probability),
                    dabMean == null ? "" : String.format(Locale.ROOT, "%.5f", dabMean)));
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("type", "Feature");
            f.put("geometry", geometry(labels, w, id, x0[id], y0[id], x1[id], y1[id]));
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("id", id);
            props.put("type", type);
            props.put("area", area[id]);
            props.put("objectType", "detection");
            Map<String, Object> classification = new LinkedHashMap<>();
            classification.put("name", name);
            classification.put("color", classes.colour(type));
            props.put("classification", classification);
            Map<String, Object> measurements = new LinkedHashMap<>();
            measurements.put("Area px", area[id]);
            if (probability != null) {
                measurements.put("Class probability", Math.round(probability * 1e4) / 1e4);
            }
            if (dabMean != null) {
                measurements.put("DAB OD mean", Math.round(dabMean * 1e5) / 1e5);
            }
            props.put("measurements", measurements);
            f.put("properties", props);
            features.add(f);
        }
        AtomicFiles.writeString(dir.resolve("objects").resolve(stem + ".csv"), csv.toString());
        Map<String, Object> fc = new LinkedHashMap<>();
        fc.put("type", "FeatureCollection");
        fc.put("features", features);
        AtomicFiles.writeString(dir.resolve("objects").resolve(stem + ".geojson"),
                JSON.writeValueAsString(fc));
        if (image != null) {
            ImageIo.writeRgb(dir.resolve("overlays").resolve(stem + ".png"),
                    overlay(image, labels, objectType));
        }
    }

    /** The image with each object's outline pixels in its class's colour. */
    private RgbImage overlay(RgbImage image, int[] labels, int[] objectType) {
        int w = image.width();
        int h = image.height();
        byte[] out = image.data().clone();
        Map<Integer, byte[]> colours = new HashMap<>();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int id = labels[i];
                if (id == 0) {
                    continue;
                }
                boolean edge = x == 0 || y == 0 || x == w - 1 || y == h - 1
                        || labels[i - 1] != id || labels[i + 1] != id
                        || labels[i - w] != id || labels[i + w] != id;
                if (edge) {
                    byte[] c = colours.computeIfAbsent(objectType[id], t -> {
                        List<Integer> rgb = classes.colour(t);
                        return new byte[] {rgb.get(0).byteValue(), rgb.get(1).byteValue(),
                            rgb.get(2).byteValue()};
                    });
                    System.arraycopy(c, 0, out, 3 * i, 3);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * The object's geometry along pixel edges: a GeoJSON Polygon (outer ring, then holes) when
     * it is one 4-connected piece, a MultiPolygon otherwise.
     */
    private static Map<String, Object> geometry(int[] labels, int w, int id, int x0, int y0,
            int x1, int y1) {
        int bw = x1 - x0 + 1;
        int bh = y1 - y0 + 1;
        byte[] mask = new byte[bw * bh];
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                if (labels[y * w + x] == id) {
                    mask[(y - y0) * bw + (x - x0)] = 1;
                }
            }
        }
        List<List<List<int[]>>> polygons = PixelOutlines.polygons(mask, bw, bh, x0, y0);
        List<Object> coords = new ArrayList<>();
        for (List<List<int[]>> poly : polygons) {
            List<Object> rings = new ArrayList<>();
            for (List<int[]> ring : poly) {
                List<List<Integer>> pts = new ArrayList<>();
                for (int[] p : ring) {
                    pts.add(List.of(p[0], p[1]));
                }
                rings.add(pts);
            }
            coords.add(rings);
        }
        Map<String, Object> g = new LinkedHashMap<>();
        if (coords.size() == 1) {
            g.put("type", "Polygon");
            g.put("coordinates", coords.get(0));
        } else {
            g.put("type", "MultiPolygon");
            g.put("coordinates", coords);
        }
        return g;
    }

    @Override
    public List<String> files(String stem) {
        return List.of("instances/" + stem + ".png", "types/" + stem + ".png",
                "objects/" + stem + ".csv", "objects/" + stem + ".geojson",
                "overlays/" + stem + ".png");
    }
}
