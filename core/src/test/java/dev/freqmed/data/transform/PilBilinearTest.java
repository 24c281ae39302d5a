package dev.freqmed.data.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.backbone.ReferenceFixture;
import dev.freqmed.data.FloatImage;
import org.junit.jupiter.api.Test;

class PilBilinearTest {

    private static FloatImage image(JsonNode n) {
        float[] d = new float[n.get("data").size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = n.get("data").get(i).floatValue();
        }
        JsonNode s = n.get("shape");
        return new FloatImage(s.get(0).asInt(), s.get(1).asInt(), s.get(2).asInt(), d);
    }

    @Test
    void equalsPillowBitForBit() throws Exception {
        JsonNode root = new ObjectMapper().readTree(
                ReferenceFixture.TESTDATA.resolve("fsanet/pil-bilinear.json").toFile());
        FloatImage in = image(root.get("input"));
        for (String key : new String[] {"4x5", "11x13", "4x7", "17x3"}) {
            FloatImage want = image(root.get(key));
            FloatImage got = PilBilinear.resize(in, want.height(), want.width());
            assertArrayEquals(want.data(), got.data(), 0f, key);
        }
    }
}
