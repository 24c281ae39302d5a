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
        assertEquals(List.of("id,x,y,area,type", "1,3.500,2.000,12,2", "300,8.500,6.500,4,1"),
                csv);
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
