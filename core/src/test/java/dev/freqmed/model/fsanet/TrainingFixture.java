package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.backbone.ReferenceFixture;
import java.io.IOException;

/** Reads {@code testdata/fsanet/reference-training.json} (loss and AdaX-W reference values). */
public final class TrainingFixture {

    private TrainingFixture() {
    }

    public static JsonNode root() throws IOException {
        return new ObjectMapper().readTree(
                ReferenceFixture.TESTDATA.resolve("fsanet/reference-training.json").toFile());
    }

    public static NDArray array(NDManager m, JsonNode n) {
        long[] s = new long[n.get("shape").size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = n.get("shape").get(i).asLong();
        }
        JsonNode d = n.get("data");
        float[] v = new float[d.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) d.get(i).asDouble();
        }
        return m.create(v, new Shape(s));
    }
}
