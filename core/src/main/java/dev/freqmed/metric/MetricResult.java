package dev.freqmed.metric;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named values of a metric, in insertion order: scalars ({@code double}), curves
 * ({@code double[]}), integer tables ({@code long[]}), nested results (maps such as per-type F1)
 * and per-image lists of results. The structure mirrors the JSON written by
 * {@code freqmed evaluate}.
 */
public final class MetricResult {

    private final Map<String, Object> values = new LinkedHashMap<>();

    /** Adds or replaces a scalar. */
    public MetricResult put(String name, double value) {
        values.put(name, value);
        return this;
    }

    /** Adds or replaces a curve (the array is kept, not copied). */
    public MetricResult putCurve(String name, double[] curve) {
        values.put(name, curve);
        return this;
    }

    /** Adds or replaces an integer table (counts, indices). */
    public MetricResult putCounts(String name, long[] counts) {
        values.put(name, counts);
        return this;
    }

    /** Adds or replaces a nested result. */
    public MetricResult putNested(String name, MetricResult nested) {
        values.put(name, nested);
        return this;
    }

    /** Adds or replaces a list of nested results (for example one per image). */
    public MetricResult putList(String name, List<MetricResult> list) {
        values.put(name, List.copyOf(list));
        return this;
    }

    /** Adds or replaces an arbitrary JSON-like value (string, boolean, list of numbers). */
    public MetricResult putOther(String name, Object value) {
        values.put(name, value);
        return this;
    }

    /** The scalar called {@code name}. */
    public double get(String name) {
        Object v = values.get(name);
        if (!(v instanceof Double d)) {
            throw new IllegalArgumentException("no scalar called '" + name + "' in "
                    + values.keySet());
        }
        return d;
    }

    /** The curve called {@code name}. */
    public double[] curve(String name) {
        Object v = values.get(name);
        if (!(v instanceof double[] d)) {
            throw new IllegalArgumentException("no curve called '" + name + "' in "
                    + values.keySet());
        }
        return d;
    }

    /** The nested result called {@code name}. */
    public MetricResult nested(String name) {
        Object v = values.get(name);
        if (!(v instanceof MetricResult r)) {
            throw new IllegalArgumentException("no nested result '" + name + "' in "
                    + values.keySet());
        }
        return r;
    }

    /** The list of nested results called {@code name}. */
    @SuppressWarnings("unchecked")
    public List<MetricResult> list(String name) {
        Object v = values.get(name);
        if (!(v instanceof List<?>)) {
            throw new IllegalArgumentException("no list called '" + name + "' in "
                    + values.keySet());
        }
        return (List<MetricResult>) v;
    }

    /** Whether a value of that name exists. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** All values, unmodifiable, in insertion order. */
    public Map<String, Object> values() {
        return Collections.unmodifiableMap(values);
    }

    /** The scalar values only, in insertion order. */
    public Map<String, Double> scalars() {
        Map<String, Double> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (v instanceof Double d) {
                out.put(k, d);
            }
        });
        return out;
    }

    /**
     * A tree of maps, lists, numbers and strings ready for a JSON writer. Non-finite numbers become
     * the strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}.
     */
    public Map<String, Object> toTree() {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, convert(v)));
        return out;
    }

    private static Object convert(Object v) {
        if (v instanceof Double d) {
            return number(d);
        }
        if (v instanceof double[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (double x : a) {
                l.add(number(x));
            }
            return l;
        }
        if (v instanceof long[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (long x : a) {
                l.add(x);
            }
            return l;
        }
        if (v instanceof MetricResult r) {
            return r.toTree();
        }
        if (v instanceof List<?> list) {
            List<Object> l = new ArrayList<>(list.size());
            for (Object o : list) {
                l.add(convert(o));
            }
            return l;
        }
        return v;
    }

    private static Object number(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return d;
    }

    @Override
    public String toString() {
        return toTree().toString();
    }
}
