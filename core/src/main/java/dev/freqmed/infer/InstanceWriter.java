package dev.freqmed.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.data.FloatImage;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an instance segmentation ({@link PredictionOutput#INSTANCES}, optionally
 * {@link PredictionOutput#TYPES}):
 * <ul>
 *   <li>{@code instances/STEM.png}: 16-bit labels, 0 = background (at most 65,535 objects);
 *   <li>{@code types/STEM.png}: 8-bit class per pixel (when the prediction has types);
 *   <li>{@code objects/STEM.csv}: {@code id,x,y,area,type} — centroid in pixels (column, row:
 *       the mean of the object's pixel coordinates), area in pixels, type = the most frequent
 *       class inside the object (0 without types);
 *   <li>{@code objects/STEM.geojson}: a FeatureCollection with one feature per object whose
 *       geometry follows the pixel edges ({@link PixelOutlines}: pixel (x, y) is the square
 *       [x, x+1] &times; [y, y+1], so the polygon area equals the pixel area; a Polygon with
 *       holes, or a MultiPolygon for an object in several 4-connected pieces; valid for JTS),
 *       properties {@code id}, {@code type}, {@code area} and QuPath's
 *       {@code objectType: "detection"} and {@code classification} ({@code name} "type N",
 *       {@code color} [r, g, b]), so QuPath and GeoJSON tools read it. Note the CSV centroids
 *       put pixel centres at integer coordinates, the GeoJSON at half-integers.
 * </ul>
 */
public final class InstanceWriter implements PredictionWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void write(Path dir, String stem, FloatImage original, Prediction prediction)
            throws IOException {
        FloatImage inst = prediction.get(PredictionOutput.INSTANCES);
        FloatImage types = prediction.arrays().get(PredictionOutput.TYPES);
        int h = inst.height();
        int w = inst.width();
        int[] labels = new int[h * w];
        int max = 0;
        for (int i = 0; i < labels.length; i++) {
            float v = inst.data()[i];
            if (v < 0 || v > 65535 || v != Math.rint(v)) {
                throw new IllegalArgumentException("instance labels must be integers in"
                        + " [0, 65535], found " + v + " in " + stem);
            }
            labels[i] = (int) v;
            max = Math.max(max, labels[i]);
        }
        ImageIo.writeGray16(dir.resolve("instances").resolve(stem + ".png"),
                new GrayImage(w, h, 16, labels));
        int[] cls = null;
        if (types != null) {
            cls = new int[h * w];
            for (int i = 0; i < cls.length; i++) {
                cls[i] = Math.max(0, Math.min(255, Math.round(types.data()[i])));
            }
            ImageIo.writeGray8(dir.resolve("types").resolve(stem + ".png"),
                    new GrayImage(w, h, 8, cls));
        }
        // Per object: area, coordinate sums, bounding box, type histogram.
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
        StringBuilder csv = new StringBuilder("id,x,y,area,type\n");
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
            csv.append(String.format(Locale.ROOT, "%d,%.3f,%.3f,%d,%d%n", id, sx[id] / area[id],
                    sy[id] / area[id], area[id], type));
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("type", "Feature");
            f.put("geometry", geometry(labels, w, id, x0[id], y0[id], x1[id], y1[id]));
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("id", id);
            props.put("type", type);
            props.put("area", area[id]);
            props.put("objectType", "detection");
            Map<String, Object> classification = new LinkedHashMap<>();
            classification.put("name", "type " + type);
            classification.put("color", colour(type));
            props.put("classification", classification);
            f.put("properties", props);
            features.add(f);
        }
        AtomicFiles.writeString(dir.resolve("objects").resolve(stem + ".csv"), csv.toString());
        Map<String, Object> fc = new LinkedHashMap<>();
        fc.put("type", "FeatureCollection");
        fc.put("features", features);
        AtomicFiles.writeString(dir.resolve("objects").resolve(stem + ".geojson"),
                JSON.writeValueAsString(fc));
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

    /** A display colour per type id ([r, g, b]): a fixed palette, then a hash. */
    static List<Integer> colour(int type) {
        int[][] palette = {{128, 128, 128}, {255, 0, 0}, {0, 160, 0}, {0, 0, 255},
            {255, 200, 0}, {255, 0, 255}, {0, 200, 200}, {160, 80, 0}, {128, 0, 160}};
        if (type >= 0 && type < palette.length) {
            int[] c = palette[type];
            return List.of(c[0], c[1], c[2]);
        }
        int h = type * 0x9E3779B9;
        return List.of((h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
    }

    @Override
    public List<String> files(String stem) {
        return List.of("instances/" + stem + ".png", "objects/" + stem + ".csv",
                "objects/" + stem + ".geojson");
    }
}
