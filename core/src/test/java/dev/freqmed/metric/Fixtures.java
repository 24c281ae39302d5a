package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Access to the golden metric cases of {@code testdata/metrics} (computed with the reference
 * implementations; see that folder's README) and tolerant comparisons.
 */
public final class Fixtures {

    private static JsonNode root;

    private Fixtures() {
    }

    /** The {@code testdata/metrics} folder, found from the working directory upwards. */
    public static Path dir() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path c = p.resolve("testdata").resolve("metrics");
            if (Files.isRegularFile(c.resolve("cases.json"))) {
                return c;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("testdata/metrics not found above the working directory");
    }

    /** The cases of one family, in file order. */
    public static synchronized List<JsonNode> cases(String family) {
        if (root == null) {
            try {
                root = new ObjectMapper().readTree(dir().resolve("cases.json").toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            if (c.get("family").asText().equals(family)) {
                out.add(c);
            }
        }
        return out;
    }

    /** A case input path. */
    public static Path input(JsonNode node) {
        return dir().resolve(node.asText());
    }

    /** A JSON number, or the strings NaN / Infinity / -Infinity. */
    public static double number(JsonNode n) {
        if (n.isTextual()) {
            return Double.parseDouble(n.asText());
        }
        return n.asDouble();
    }

    /** Asserts {@code actual} is within {@code rel} relative (or {@code abs} absolute). */
    public static void close(String what, JsonNode expected, double actual, double rel,
            double abs) {
        double e = number(expected);
        if (Double.isNaN(e)) {
            assertTrue(Double.isNaN(actual), what + ": expected NaN, found " + actual);
            return;
        }
        double tol = Math.max(abs, rel * Math.abs(e));
        if (!(Math.abs(actual - e) <= tol)) {
            fail(what + ": expected " + e + ", found " + actual + " (diff " + (actual - e)
                    + ", tolerance " + tol + ")");
        }
    }

    /** Asserts an exact value (counting metrics). */
    public static void exact(String what, JsonNode expected, double actual) {
        double e = number(expected);
        if (Double.isNaN(e)) {
            assertTrue(Double.isNaN(actual), what + ": expected NaN, found " + actual);
            return;
        }
        assertEquals(e, actual, 0.0, what);
    }

    /** Asserts each curve entry within tolerance. */
    public static void curve(String what, JsonNode expected, double[] actual, double rel) {
        assertEquals(expected.size(), actual.length, what + " length");
        for (int i = 0; i < actual.length; i++) {
            close(what + "[" + i + "]", expected.get(i), actual[i], rel, 0);
        }
    }
}
