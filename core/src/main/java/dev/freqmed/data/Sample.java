package dev.freqmed.data;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One item of a data set: an id (usually the file stem) and named host arrays such as
 * {@code image} (3, H, W), {@code mask} (1, H, W), {@code inst_map}, {@code type_map}.
 *
 * @param id     identifier, unique within its source
 * @param arrays named arrays; iteration order is insertion order
 */
public record Sample(String id, Map<String, FloatImage> arrays) {

    /** Standard key of the input image. */
    public static final String IMAGE = "image";
    /** Standard key of a binary or soft target mask in [0, 1]. */
    public static final String MASK = "mask";

    /** Copies the map so later changes to the argument do not leak in. */
    public Sample {
        Objects.requireNonNull(id, "id");
        arrays = new LinkedHashMap<>(arrays);
    }

    /** The array named {@code key}; throws naming the sample and key if absent. */
    public FloatImage get(String key) {
        FloatImage a = arrays.get(key);
        if (a == null) {
            throw new IllegalArgumentException("sample " + id + " has no array '" + key + "' (has " + arrays.keySet() + ")");
        }
        return a;
    }

    /** A new sample with {@code key} replaced or added. */
    public Sample with(String key, FloatImage value) {
        Map<String, FloatImage> m = new LinkedHashMap<>(arrays);
        m.put(key, value);
        return new Sample(id, m);
    }
}
