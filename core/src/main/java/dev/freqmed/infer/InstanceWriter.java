package dev.freqmed.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.data.FloatImage;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.metric.OpenCvLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint;
import org.opencv.core.Point;
import org.opencv.imgproc.Imgproc;

/**
 * Writes an instance segmentation ({@link PredictionOutput#INSTANCES}, optionally
 * {@link PredictionOutput#TYPES}):
 * <ul>
 *   <li>{@code instances/STEM.png}: 16-bit labels, 0 = background (at most 65,535 objects);
 *   <li>{@code types/STEM.png}: 8-bit class per pixel (when the prediction has types);
 *   <li>{@code objects/STEM.csv}: {@code id,x,y,area,type} — centroid in pixels (column, row:
 *       the mean of the object's pixel coordinates), area in pixels, type = the most frequent
 *       class inside the object (0 without types);
 *   <li>{@code objects/STEM.geojson}: a FeatureCollection with one Polygon per object (its outer
 *       boundary through pixel centres, OpenCV's external contour, closed), properties
 *       {@code id}, {@code type}, {@code area} and QuPath's {@code objectType: "detection"} and
 *       {@code classification.name} ({@code type N}), so QuPath and GeoJSON tools read it.
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
        OpenCvLoader.load();
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
            f.put("geometry", Map.of("type", "Polygon", "coordinates",
                    List.of(outline(labels, w, id, x0[id], y0[id], x1[id], y1[id]))));
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("id", id);
            props.put("type", type);
            props.put("area", area[id]);
            props.put("objectType", "detection");
            props.put("classification", Map.of("name", "type " + type));
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

    /** The object's external boundary (largest contour) as a closed ring of [x, y] points. */
    private static List<List<Integer>> outline(int[] labels, int w, int id, int x0, int y0,
            int x1, int y1) {
        int bw = x1 - x0 + 3;
        int bh = y1 - y0 + 3;
        byte[] mask = new byte[bw * bh];
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                if (labels[y * w + x] == id) {
                    mask[(y - y0 + 1) * bw + (x - x0 + 1)] = 1;
                }
            }
        }
        Mat m = new Mat(bh, bw, CvType.CV_8UC1);
        Mat hierarchy = new Mat();
        List<MatOfPoint> contours = new ArrayList<>();
        try {
            m.put(0, 0, mask);
            Imgproc.findContours(m, contours, hierarchy, Imgproc.RETR_EXTERNAL,
                    Imgproc.CHAIN_APPROX_SIMPLE);
            MatOfPoint best = null;
            double bestArea = -1;
            for (MatOfPoint c : contours) {
                double a = c.rows() < 3 ? c.rows() : Imgproc.contourArea(c);
                if (a > bestArea) {
                    bestArea = a;
                    best = c;
                }
            }
            List<List<Integer>> ring = new ArrayList<>();
            if (best != null) {
                for (Point p : best.toArray()) {
                    ring.add(List.of((int) p.x + x0 - 1, (int) p.y + y0 - 1));
                }
            }
            if (!ring.isEmpty()) {
                ring.add(ring.get(0));
            }
            return ring;
        } finally {
            m.release();
            hierarchy.release();
            for (MatOfPoint c : contours) {
                c.release();
            }
        }
    }

    @Override
    public List<String> files(String stem) {
        return List.of("instances/" + stem + ".png", "objects/" + stem + ".csv",
                "objects/" + stem + ".geojson");
    }
}
