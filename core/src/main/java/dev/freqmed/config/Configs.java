package dev.freqmed.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Strict YAML/JSON mapping for config records. Unknown keys and wrong types fail with a message
 * naming the source, the key path and what was expected.
 */
public final class Configs {

    private static final ObjectMapper YAML = strict(new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)));
    private static final ObjectMapper JSON = strict(new ObjectMapper())
            .enable(SerializationFeature.INDENT_OUTPUT);

    private Configs() {
    }

    private static ObjectMapper strict(ObjectMapper m) {
        return m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }

    /** The shared YAML mapper (strict). */
    public static ObjectMapper yaml() {
        return YAML;
    }

    /** The shared JSON mapper (strict, indented output). */
    public static ObjectMapper json() {
        return JSON;
    }

    /** Reads a YAML file into a plain tree of maps, lists and scalars. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readYamlMap(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "config file does not exist");
        }
        try {
            Object o = YAML.readValue(path.toFile(), Object.class);
            if (!(o instanceof Map)) {
                throw new IOException(path + ": expected a YAML mapping at the top level");
            }
            return (Map<String, Object>) o;
        } catch (JsonProcessingException e) {
            throw new IOException(path + ": not valid YAML (" + e.getOriginalMessage() + ")", e);
        }
    }

    /**
     * Converts a map into a record or bean strictly.
     *
     * @param source  a name for messages, e.g. {@code "train.yaml: model"}
     * @throws IllegalArgumentException naming the source and key for unknown keys or wrong types
     */
    public static <T> T convert(Object map, Class<T> type, String source) {
        try {
            return YAML.convertValue(map, type);
        } catch (IllegalArgumentException e) {
            Throwable c = e.getCause();
            if (c instanceof JsonMappingException jm) {
                throw new IllegalArgumentException(source + ": " + describe(jm), e);
            }
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * Overlays {@code overrides} (a map of keys to values) on {@code base} (a record) and returns a
     * new record of the same type; keys not in the record are errors. A nested mapping overlays
     * the nested record key by key, so {@code post: {edgeThreshold: 0.3}} keeps the other keys
     * of {@code post}.
     */
    @SuppressWarnings("unchecked")
    public static <T> T merge(T base, Map<String, Object> overrides, String source) {
        Map<String, Object> m = YAML.convertValue(base, LinkedHashMap.class);
        overlay(m, overrides);
        return convert(m, (Class<T>) base.getClass(), source);
    }

    /**
     * Nested settings from {@code KEY=VALUE} assignments with dotted keys
     * ({@code post.edgeThreshold=0.3} becomes {@code {post: {edgeThreshold: 0.3}}}); each value is
     * read as YAML ({@code 0.3}, {@code true}, {@code [1, 2]}, text).
     *
     * @throws IllegalArgumentException naming the assignment when it has no {@code =} or an
     *                                  empty key
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> assignments(List<String> kv) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String a : kv) {
            int eq = a.indexOf('=');
            String key = eq < 0 ? "" : a.substring(0, eq).trim();
            if (key.isEmpty() || key.startsWith(".") || key.endsWith(".") || key.contains("..")) {
                throw new IllegalArgumentException("'" + a + "': expected KEY=VALUE, e.g."
                        + " post.edgeThreshold=0.3");
            }
            Object value;
            try {
                value = YAML.readValue(a.substring(eq + 1), Object.class);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("'" + a + "': the value is not valid YAML ("
                        + e.getOriginalMessage() + ")", e);
            }
            String[] parts = key.split("\\.");
            Map<String, Object> at = out;
            for (int i = 0; i < parts.length - 1; i++) {
                Object next = at.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
                if (!(next instanceof Map)) {
                    throw new IllegalArgumentException("'" + a + "': " + parts[i]
                            + " is given a value and nested keys");
                }
                at = (Map<String, Object>) next;
            }
            at.put(parts[parts.length - 1], value);
        }
        return out;
    }

    /** Puts every entry of {@code top} into {@code into}, recursing where both hold a mapping. */
    @SuppressWarnings("unchecked")
    public static void overlay(Map<String, Object> into, Map<String, Object> top) {
        for (Map.Entry<String, Object> e : top.entrySet()) {
            Object old = into.get(e.getKey());
            if (old instanceof Map<?, ?> o && e.getValue() instanceof Map<?, ?> n) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) o);
                overlay(copy, (Map<String, Object>) n);
                into.put(e.getKey(), copy);
            } else {
                into.put(e.getKey(), e.getValue());
            }
        }
    }

    /** A record as a plain map (for manifests and logs). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(Object record) {
        return YAML.convertValue(record, LinkedHashMap.class);
    }

    /** A record as YAML text. */
    public static String toYaml(Object value) {
        try {
            return YAML.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line describing a mapping error: the key path and the problem. */
    static String describe(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : "; valid keys: " + String.join(", ",
                    new TreeSet<>(u.getKnownPropertyIds().stream().map(String::valueOf).toList()));
            return "unknown key '" + path + "'" + known;
        }
        if (e instanceof InvalidFormatException f) {
            return "key '" + path + "': expected " + f.getTargetType().getSimpleName() + ", found '" + f.getValue() + "'";
        }
        if (e instanceof MismatchedInputException mi && mi.getTargetType() != null) {
            return "key '" + path + "': expected " + mi.getTargetType().getSimpleName() + " ("
                    + firstLine(e.getOriginalMessage()) + ")";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof IllegalArgumentException) {
            return (path.isEmpty() ? "" : "key '" + path + "': ") + root.getMessage();
        }
        return (path.isEmpty() ? "" : "key '" + path + "': ") + firstLine(e.getOriginalMessage());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
