package dev.freqmed.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.data.FloatImage;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips of the prediction writers. */
class PredictionWritersTest {

    @TempDir
    Path dir;

    /** 12 x 10: object 1 a 3x4 block (type 2), object 300 a 2x2 block (type 1, one type-2 px). */
    private static Prediction instances() {
        int h = 10;
        int w = 12;
        float[] inst = new float[h * w];
        float[] types = new float[h * w];
        for (int y = 1; y <= 3; y++) {
            for (int x = 2; x <= 5; x++) {
                inst[y * w + x] = 1;
                types[y * w + x] = 2;
            }
        }
        for (int y = 6; y <= 7; y++) {
            for (int x = 8; x <= 9; x++) {
                inst[y * w + x] = 300;
                types[y * w + x] = 1;
            }
        }
        types[7 * w + 9] = 2;
        return new Prediction(Map.of(PredictionOutput.INSTANCES, new FloatImage(1, h, w, inst),
                PredictionOutput.TYPES, new FloatImage(1, h, w, types)), Map.of());
    }

    @Test
    void instancesRoundTripThroughPngCsvAndGeoJson() throws Exception {
        Prediction p = instances();
        new InstanceWriter().write(dir, "slide", null, p);
        GrayImage back = ImageIo.readGray(dir.resolve("instances/slide.png"));
        int[] want = new int[120];
        for (int i = 0; i < 120; i++) {
            want[i] = (int) p.get(PredictionOutput.INSTANCES).data()[i];
        }
        assertArrayEquals(want, back.data());
        assertEquals(2, ImageIo.readGray(dir.resolve("types/slide.png")).data()[1 * 12 + 2]);
        List<String> csv = Files.readAllLines(dir.resolve("objects/slide.csv"));
        assertEquals(List.of("id,x,y,area,type,type_name,type_probability,dab_od",
                "1,3.500,2.000,12,2,type 2,,", "300,8.500,6.500,4,1,type 1,,"), csv);
        assertTrue(Files.notExists(dir.resolve("overlays/slide.png")), "no image, no overlay");
        // evaluate --task nuclei-type reads the CSV back (empty trailing fields included).
        assertEquals(List.of(new dev.freqmed.metric.Centroid(3.5, 2.0, 2),
                new dev.freqmed.metric.Centroid(8.5, 6.5, 1)),
                dev.freqmed.metric.CentroidCsvReader.read(dir.resolve("objects/slide.csv")));
        JsonNode g = new ObjectMapper().readTree(dir.resolve("objects/slide.geojson").toFile());
        assertEquals("FeatureCollection", g.get("type").asText());
        assertEquals(2, g.get("features").size());
        JsonNode ring = g.get("features").get(0).get("geometry").get("coordinates").get(0);
        assertEquals(ring.get(0), ring.get(ring.size() - 1), "closed ring");
        int minX = Integer.MAX_VALUE;
        int maxX = Integer.MIN_VALUE;
        int minY = Integer.MAX_VALUE;
        int maxY = Integer.MIN_VALUE;
        for (JsonNode pt : ring) {
            minX = Math.min(minX, pt.get(0).asInt());
            maxX = Math.max(maxX, pt.get(0).asInt());
            minY = Math.min(minY, pt.get(1).asInt());
            maxY = Math.max(maxY, pt.get(1).asInt());
        }
        // Pixel-edge outline: columns 2..5 and rows 1..3 span corners 2..6 and 1..4.
        assertEquals(List.of(2, 6, 1, 4), List.of(minX, maxX, minY, maxY));
        JsonNode props = g.get("features").get(1).get("properties");
        assertEquals(300, props.get("id").asInt());
        assertEquals("type 1", props.get("classification").get("name").asText());
    }

    @Test
    void namedClassesProbabilitiesStainAndOverlay() throws Exception {
        Prediction base = instances();
        float[] prob = new float[120];
        for (int i = 0; i < 120; i++) {
            float id = base.get(PredictionOutput.INSTANCES).data()[i];
            prob[i] = id == 1 ? 0.75f : id == 300 ? 0.5f : 0f;
        }
        Prediction p = new Prediction(Map.of(
                PredictionOutput.INSTANCES, base.get(PredictionOutput.INSTANCES),
                PredictionOutput.TYPES, base.get(PredictionOutput.TYPES),
                PredictionOutput.TYPE_PROBABILITY, new FloatImage(1, 10, 12, prob)), Map.of());
        // A pale image with one brown (DAB-like) colour under object 1.
        float[] px = new float[3 * 120];
        for (int i = 0; i < 120; i++) {
            boolean brown = base.get(PredictionOutput.INSTANCES).data()[i] == 1;
            px[i] = brown ? 150 : 240;
            px[120 + i] = brown ? 90 : 235;
            px[240 + i] = brown ? 40 : 238;
        }
        FloatImage image = new FloatImage(3, 10, 12, px);
        ObjectClasses classes = new ObjectClasses(Map.of(1, "tumour, IHC+", 2, "lymphocyte"),
                Map.of(2, List.of(0, 255, 0)));
        new InstanceWriter(classes).write(dir, "named", image, p);
        List<String> csv = Files.readAllLines(dir.resolve("objects/named.csv"));
        // Decadic DAB optical density, the scale `nuclei report` thresholds (0.2 / 0.4 / 0.6).
        double dab = dev.freqmed.data.stain.HedDeconvolution.OD_PER_UNIT
                * dev.freqmed.data.stain.HedDeconvolution.dab(150, 90, 40);
        assertTrue(dab > 0.1, "brown has DAB: " + dab);
        assertEquals(String.format(java.util.Locale.ROOT, "1,3.500,2.000,12,2,lymphocyte,0.7500,%.5f",
                dab), csv.get(1));
        assertTrue(csv.get(2).startsWith("300,8.500,6.500,4,1,\"tumour, IHC+\",0.5000,"), csv.get(2));
        assertEquals(List.of(new dev.freqmed.metric.Centroid(3.5, 2.0, 2),
                new dev.freqmed.metric.Centroid(8.5, 6.5, 1)),
                dev.freqmed.metric.CentroidCsvReader.read(dir.resolve("objects/named.csv")),
                "a quoted name with a comma keeps the columns");
        JsonNode f = new ObjectMapper().readTree(dir.resolve("objects/named.geojson").toFile())
                .get("features").get(0).get("properties");
        assertEquals("lymphocyte", f.get("classification").get("name").asText());
        assertEquals("[0,255,0]", f.get("classification").get("color").toString());
        assertEquals(0.75, f.get("measurements").get("Class probability").asDouble(), 1e-9);
        assertEquals(dab, f.get("measurements").get("DAB OD mean").asDouble(), 1e-5);
        RgbImage overlay = ImageIo.readRgb(dir.resolve("overlays/named.png"));
        assertEquals(List.of(0, 255, 0), List.of(overlay.get(1, 2, 0), overlay.get(1, 2, 1),
                overlay.get(1, 2, 2)), "outline of object 1 in its class colour");
        assertEquals(150, overlay.get(2, 3, 0), "inside object 1 the image shows");
        assertEquals(240, overlay.get(0, 0, 0), "background untouched");
    }

    @Test
    void classesReadFromTypesJsonAndHoverNetTypeInfo() throws Exception {
        Path a = Files.writeString(dir.resolve("types.json"), "{\"types\": {\"1\": {\"name\":"
                + " \"other\", \"colour\": [255, 255, 0]}, \"2\": {\"name\": \"inflammatory\"}}}");
        ObjectClasses ca = ObjectClasses.read(a);
        assertEquals("other", ca.name(1));
        assertEquals(List.of(255, 255, 0), ca.colour(1));
        assertEquals("inflammatory", ca.name(2));
        assertEquals("type 7", ca.name(7));
        Path b = Files.writeString(dir.resolve("type_info.json"),
                "{\"0\": [\"nolabe\", [0, 0, 0]], \"1\": [\"neopla\", [255, 0, 0]]}");
        assertEquals(List.of(255, 0, 0), ObjectClasses.read(b).colour(1));
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"1\": [\"x\", [1, 2]]}");
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> ObjectClasses.read(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()) && e.getMessage().contains("[r, g, b]"),
                e.getMessage());
    }

    @Test
    void nonIntegerLabelsAreRefused() {
        Prediction p = new Prediction(Map.of(PredictionOutput.INSTANCES,
                new FloatImage(1, 1, 2, new float[] {0, 1.5f})), Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new InstanceWriter().write(dir, "bad", null, p));
        assertTrue(e.getMessage().contains("bad"), e.getMessage());
    }

    @Test
    void imagesRoundTrip() throws Exception {
        float[] v = new float[3 * 2 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 14.2f;
        }
        v[0] = -3;
        v[1] = 300;
        new ImageWriter().write(dir, "tile", null, new Prediction(
                Map.of(PredictionOutput.IMAGE, new FloatImage(3, 2, 3, v)), Map.of()));
        RgbImage back = ImageIo.readRgb(dir.resolve("images/tile.png"));
        assertEquals(0, back.get(0, 0, 0));
        assertEquals(255, back.get(0, 1, 0));
        assertEquals(Math.round(6 * 14.2f), back.get(0, 0, 1));
        assertEquals(Math.round(17 * 14.2f), back.get(1, 2, 2));
        assertNotEquals(back.get(0, 0, 1), back.get(0, 0, 2));
    }
}
