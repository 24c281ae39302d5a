package dev.freqmed.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the weight fixtures of {@code testdata/weights} and checks tensors against them. */
final class WeightFixtures {

    private WeightFixtures() {
    }

    /** The fixture folder, found by walking up from the working directory. */
    static Path dir() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path d = p.resolve("testdata").resolve("weights");
            if (Files.isDirectory(d)) {
                return d;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("testdata/weights not found above the working directory");
    }

    static Path file(String name) {
        return dir().resolve(name);
    }

    static JsonNode expected() {
        try {
            return new ObjectMapper().readTree(file("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Checks shape, sum, sum of squares (when given), first eight and last values. */
    static void check(String name, JsonNode exp, HostTensor t) {
        long[] shape = new long[exp.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = exp.get("shape").get(i).asLong();
        }
        assertArrayEquals(shape, t.shape(), name + " shape");
        HostTensor.Stats s = t.stats();
        double sum = exp.get("sum").asDouble();
        assertEquals(sum, s.sum(), 1e-4 * Math.max(1, Math.abs(sum)), name + " sum");
        if (exp.has("sumsq")) {
            double sq = exp.get("sumsq").asDouble();
            assertEquals(sq, s.sumsq(), 1e-4 * Math.max(1, sq), name + " sumsq");
        }
        double[] v = t.toDoubleArray();
        JsonNode first = exp.get("first");
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).asDouble(), v[i], 1e-6, name + " value " + i);
        }
        if (exp.has("last")) {
            assertEquals(exp.get("last").asDouble(), v[v.length - 1], 1e-6, name + " last");
        }
    }
}
