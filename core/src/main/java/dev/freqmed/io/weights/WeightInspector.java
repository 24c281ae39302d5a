package dev.freqmed.io.weights;

import dev.freqmed.io.HostTensor;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Describes a weight file for {@code freqmed weights inspect}: every tensor with its name, dtype,
 * shape, and (optionally) the sum and sum of squares of its values, plus the non-tensor entries of
 * a checkpoint (epoch, hyper-parameters, ...), as plain maps ready for JSON.
 *
 * <p>The sums stream over the memory-mapped file; with {@code stats = false} no tensor data is
 * read at all.
 */
public final class WeightInspector {

    private WeightInspector() {
    }

    /**
     * One entry per tensor: {@code name}, {@code dtype}, {@code shape} and, with stats,
     * {@code sum} and {@code sumsq} (complex: over real and imaginary parts).
     */
    public static List<Map<String, Object>> tensors(Checkpoint c, boolean stats) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : c.tensors().entrySet()) {
            HostTensor t = e.getValue();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.getKey());
            m.put("dtype", t.dtype().torchName());
            m.put("shape", t.shape());
            if (stats) {
                HostTensor.Stats s = t.stats();
                m.put("sum", jsonNumber(s.sum()));
                m.put("sumsq", jsonNumber(s.sumsq()));
            }
            out.add(m);
        }
        return out;
    }

    /** The whole description: file, format, metadata, weights path, prefix, tensors and info. */
    public static Map<String, Object> describe(Checkpoint c, boolean stats) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", c.source().toString());
        m.put("format", c.format());
        m.put("metadata", c.metadata());
        m.put("weights_path", c.weightsPath());
        m.put("stripped_prefix", c.strippedPrefix());
        List<Map<String, Object>> tensors = tensors(c, stats);
        m.put("tensor_count", tensors.size());
        long params = 0;
        for (HostTensor t : c.tensors().values()) {
            params += t.numel();
        }
        m.put("element_count", params);
        m.put("tensors", tensors);
        m.put("info", plain(c.info()));
        return m;
    }

    /** A value made JSON-friendly: bytes summarised; big integers, NaN and infinities as text. */
    static Object plain(Object o) {
        if (o instanceof OpaqueObject ob) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("__object__", ob.type());
            ob.forEach((k, v) -> r.put(String.valueOf(k), plain(v)));
            if (!ob.args().isEmpty()) {
                r.put("__args__", plain(ob.args()));
            }
            if (ob.state() != null) {
                r.put("__state__", plain(ob.state()));
            }
            return r;
        }
        if (o instanceof Map<?, ?> map) {
            Map<String, Object> r = new LinkedHashMap<>();
            map.forEach((k, v) -> r.put(String.valueOf(k), plain(v)));
            return r;
        }
        if (o instanceof List<?> l) {
            List<Object> r = new ArrayList<>();
            for (Object v : l) {
                r.add(plain(v));
            }
            return r;
        }
        if (o instanceof byte[] b) {
            return "<" + b.length + " bytes>";
        }
        if (o instanceof BigInteger b) {
            return b.toString();
        }
        if (o instanceof Double d) {
            return jsonNumber(d);
        }
        if (o instanceof HostTensor t) {
            return t.toString();
        }
        return o;
    }

    private static Object jsonNumber(double d) {
        return Double.isFinite(d) ? (Object) d : Double.toString(d);
    }
}
