package dev.freqmed.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.data.FloatImage;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.geom.prep.PreparedGeometry;
import org.locationtech.jts.geom.prep.PreparedGeometryFactory;

/**
 * Reads the GeoJSON {@link InstanceWriter} writes for the CoNSeP tiles back as JTS geometries:
 * one valid polygonal feature per instance whose area is the instance's pixel count and which
 * covers the centre of every pixel of the instance, and the class of the instance's majority
 * type.
 */
class InstanceWriterGeoJsonTest {

    private static final Path CONSEP = Path.of("..", "testdata", "consep");
    private static final GeometryFactory GF = new GeometryFactory();

    @Test
    void consepInstancesRoundTripThroughJts(@TempDir Path dir) throws IOException {
        int features = 0;
        for (String split : new String[] {"train", "test"}) {
            List<Path> maps;
            try (Stream<Path> s = Files.list(CONSEP.resolve(split).resolve("inst"))) {
                maps = s.sorted().toList();
            }
            for (Path m : maps) {
                String stem = m.getFileName().toString().replace(".png", "");
                features += check(dir, ImageIo.readGray(m),
                        ImageIo.readGray(CONSEP.resolve(split).resolve("type/" + stem + ".png")),
                        stem);
            }
        }
        assertEquals(690, features);
    }

    /**
     * One- and two-pixel objects, two pixels touching at a corner and an object in two pieces
     * are valid geometries (the corner-touching and split objects are MultiPolygons).
     */
    @Test
    void tinyAndFragmentedObjects(@TempDir Path dir) throws IOException {
        int w = 8;
        int h = 6;
        int[] inst = new int[w * h];
        int[] type = new int[w * h];
        inst[0] = 1;
        inst[2 * w + 2] = 2;
        inst[2 * w + 3] = 2;
        inst[4 * w + 6] = 3;
        inst[5 * w + 7] = 3;
        inst[w + 6] = 4;
        inst[w + 7] = 4;
        inst[3 * w] = 4;
        inst[4 * w] = 4;
        inst[5 * w] = 4;
        for (int i = 0; i < inst.length; i++) {
            type[i] = inst[i] == 0 ? 0 : 1 + inst[i] % 2;
        }
        assertEquals(4, check(dir, new GrayImage(w, h, 16, inst), new GrayImage(w, h, 8, type),
                "tiny"));
        JsonNode fc = new ObjectMapper().readTree(dir.resolve("objects/tiny.geojson").toFile());
        List<String> kinds = new ArrayList<>();
        for (JsonNode f : fc.get("features")) {
            kinds.add(f.get("geometry").get("type").asText());
        }
        assertEquals(List.of("Polygon", "Polygon", "MultiPolygon", "MultiPolygon"), kinds);
    }

    private static int check(Path dir, GrayImage inst, GrayImage types, String stem)
            throws IOException {
        int w = inst.width();
        int h = inst.height();
        float[] fi = new float[w * h];
        float[] ft = new float[w * h];
        Map<Integer, int[]> hist = new HashMap<>();
        Map<Integer, List<int[]>> pixels = new HashMap<>();
        for (int i = 0; i < fi.length; i++) {
            fi[i] = inst.data()[i];
            ft[i] = types.data()[i];
            int id = inst.data()[i];
            if (id > 0) {
                hist.computeIfAbsent(id, k -> new int[256])[types.data()[i]]++;
                pixels.computeIfAbsent(id, k -> new ArrayList<>()).add(new int[] {i % w, i / w});
            }
        }
        new InstanceWriter().write(dir, stem, null, new Prediction(Map.of(
                PredictionOutput.INSTANCES, new FloatImage(1, h, w, fi),
                PredictionOutput.TYPES, new FloatImage(1, h, w, ft)), Map.of()));
        JsonNode fc = new ObjectMapper().readTree(
                dir.resolve("objects").resolve(stem + ".geojson").toFile());
        assertEquals(pixels.size(), fc.get("features").size(), stem);
        for (JsonNode f : fc.get("features")) {
            int id = f.get("properties").get("id").asInt();
            Geometry g = geometry(f.get("geometry"));
            assertTrue(g.isValid(), stem + " object " + id + " invalid: " + g);
            assertEquals(pixels.get(id).size(), g.getArea(), 1e-9, stem + " object " + id);
            int pieces = f.get("geometry").get("type").asText().equals("MultiPolygon")
                    ? f.get("geometry").get("coordinates").size() : 1;
            assertEquals(pieces, g.getNumGeometries());
            PreparedGeometry pg = PreparedGeometryFactory.prepare(g);
            for (int[] p : pixels.get(id)) {
                assertTrue(pg.covers(GF.createPoint(new Coordinate(p[0] + 0.5, p[1] + 0.5))),
                        stem + " object " + id + " misses pixel " + p[0] + "," + p[1] + ": " + g);
            }
            int[] hg = hist.get(id);
            int best = 1;
            for (int t = 2; t < 256; t++) {
                if (hg[t] > hg[best]) {
                    best = t;
                }
            }
            JsonNode cls = f.get("properties").get("classification");
            assertEquals("type " + best, cls.get("name").asText(), stem + " object " + id);
            assertEquals(3, cls.get("color").size(), "QuPath colour [r, g, b]");
            assertEquals("detection", f.get("properties").get("objectType").asText());
        }
        return fc.get("features").size();
    }

    private static Geometry geometry(JsonNode g) {
        String type = g.get("type").asText();
        if (type.equals("Polygon")) {
            return polygon(g.get("coordinates"));
        }
        assertEquals("MultiPolygon", type);
        Polygon[] parts = new Polygon[g.get("coordinates").size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = polygon(g.get("coordinates").get(i));
        }
        return GF.createMultiPolygon(parts);
    }

    private static Polygon polygon(JsonNode rings) {
        LinearRing shell = ring(rings.get(0));
        LinearRing[] holes = new LinearRing[rings.size() - 1];
        for (int i = 1; i < rings.size(); i++) {
            holes[i - 1] = ring(rings.get(i));
        }
        return GF.createPolygon(shell, holes);
    }

    private static LinearRing ring(JsonNode pts) {
        Coordinate[] c = new Coordinate[pts.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = new Coordinate(pts.get(i).get(0).asDouble(), pts.get(i).get(1).asDouble());
        }
        return GF.createLinearRing(c);
    }
}
