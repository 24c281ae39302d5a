package dev.freqmed.metric.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Pillow 9.4's {@code Image.fromarray(a, 'F').resize((w, h), BICUBIC)} (testdata/inception/
 * reference.json, {@code resize_down}: 48×64 → 29×37, {@code resize_up}: 15×20 → 41×31) on
 * images of 0..255 values from the splitmix64 generator of the Inception test.
 */
class PilBicubicTest {

    private static JsonNode reference() throws IOException {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path f = p.resolve("testdata/inception/reference.json");
            if (Files.isRegularFile(f)) {
                return new ObjectMapper().readTree(f.toFile());
            }
            p = p.getParent();
        }
        throw new IllegalStateException("testdata/inception not found");
    }

    private static float[] image(String key, int h, int w) {
        double[] u = dev.freqmed.backbone.InceptionV3TestAccess.uniform(key, h * w);
        float[] a = new float[h * w];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (u[i] * 255);
        }
        return a;
    }

    @Test
    void matchesPillowShrinkingAndEnlarging() throws IOException {
        JsonNode ref = reference();
        check(ref.get("resize_down"), PilBicubic.resize(image("down", 48, 64), 48, 64, 29, 37));
        check(ref.get("resize_up"), PilBicubic.resize(image("up", 15, 20), 15, 20, 41, 31));
    }

    private static void check(JsonNode expected, float[] got) {
        assertEquals(expected.size(), got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected.get(i).asDouble(), got[i], 2e-4, "value " + i);
        }
    }

    @Test
    void sameSizeIsACopyAndBadSizesAreRefused() {
        float[] a = {1f, 2f, 3f, 4f};
        float[] b = PilBicubic.resize(a, 2, 2, 2, 2);
        assertEquals(a[3], b[3]);
        assertThrows(IllegalArgumentException.class, () -> PilBicubic.resize(a, 2, 2, 0, 2));
    }
}
