package dev.freqmed.io.weights;

import dev.freqmed.io.HostTensor;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a weight file holds, as plain Java values: {@link Map} (dicts, in file order),
 * {@link List} (lists and tuples), {@link String}, {@link Long}, {@link Double}, {@link Boolean},
 * null, {@code byte[]} and {@link HostTensor}. A plain state dict is a map of tensors; a training
 * checkpoint nests one under {@code state_dict} or {@code model} next to epochs and
 * hyper-parameters.
 *
 * <pre>{@code
 * Checkpoint c = WeightFiles.read(Path.of("model.ckpt"));
 * Map<String, HostTensor> weights = c.stateDict();   // unwrapped, "module."/"model." stripped
 * Map<String, Object> info = c.info();               // epoch, hyper_parameters, ...
 * }</pre>
 */
public final class Checkpoint {

    /** Keys under which training checkpoints keep their weights, tried in this order. */
    public static final List<String> WEIGHT_KEYS = List.of("state_dict", "model_state_dict",
            "model", "state_dict_ema", "net", "network", "params", "weights");

    private final Path source;
    private final String format;
    private final Object root;
    private final Map<String, String> metadata;

    /**
     * A checkpoint.
     *
     * @param source the file read
     * @param format {@code pytorch-zip}, {@code pytorch-legacy}, {@code safetensors} or
     *     {@code keras-h5}
     * @param root the top-level value
     * @param metadata file-level string metadata (safetensors {@code __metadata__}), may be empty
     */
    public Checkpoint(Path source, String format, Object root, Map<String, String> metadata) {
        this.source = source;
        this.format = format;
        this.root = root;
        this.metadata = Map.copyOf(metadata);
    }

    /** The file read. */
    public Path source() {
        return source;
    }

    /** The file format name. */
    public String format() {
        return format;
    }

    /** The top-level value. */
    public Object root() {
        return root;
    }

    /** File-level string metadata. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor in the tree by its dotted path ({@code state_dict.model.stem.weight}). */
    public Map<String, HostTensor> tensors() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        flatten(root, "", out);
        return Collections.unmodifiableMap(out);
    }

    /** The dotted path of the weights inside the tree ({@code ""} for a plain state dict). */
    public String weightsPath() {
        Object node = root;
        StringBuilder path = new StringBuilder();
        while (node instanceof Map<?, ?> m && !hasDirectTensor(m)) {
            Object next = null;
            for (String k : WEIGHT_KEYS) {
                Object v = m.get(k);
                if (v instanceof Map<?, ?> && containsTensor(v)) {
                    next = v;
                    path.append(path.length() == 0 ? "" : ".").append(k);
                    break;
                }
            }
            if (next == null) {
                break;
            }
            node = next;
        }
        return path.toString();
    }

    /** The prefix removed from every weight key by {@link #stateDict()} ({@code ""} if none). */
    public String strippedPrefix() {
        Map<String, HostTensor> raw = rawWeights();
        StringBuilder removed = new StringBuilder();
        for (String p : List.of("module.", "model.", "module.")) {
            if (!raw.isEmpty() && raw.keySet().stream().allMatch(k -> k.startsWith(
                    removed + p) && k.length() > removed.length() + p.length())) {
                removed.append(p);
            }
        }
        return removed.toString();
    }

    /**
     * The network weights as a flat map: the tensors under {@link #weightsPath()}, with a prefix
     * shared by all keys of {@code module.} (DataParallel) and/or {@code model.} (Lightning)
     * removed.
     */
    public Map<String, HostTensor> stateDict() {
        Map<String, HostTensor> raw = rawWeights();
        String prefix = strippedPrefix();
        Map<String, HostTensor> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k.substring(prefix.length()), v));
        return Collections.unmodifiableMap(out);
    }

    private Map<String, HostTensor> rawWeights() {
        Object node = root;
        String path = weightsPath();
        if (!path.isEmpty()) {
            for (String seg : path.split("\\.")) {
                node = ((Map<?, ?>) node).get(seg);
            }
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        flatten(node, "", out);
        return out;
    }

    /**
     * The top-level entries that hold no tensors (epoch, global step, hyper-parameters, ...). A
     * root that is not a map gives an empty map.
     */
    public Map<String, Object> info() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (root instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (!containsTensor(v)) {
                    out.put(String.valueOf(k), v);
                }
            });
        }
        return Collections.unmodifiableMap(out);
    }

    private static boolean hasDirectTensor(Map<?, ?> m) {
        for (Object v : m.values()) {
            if (v instanceof HostTensor) {
                return true;
            }
        }
        return false;
    }

    /** Whether a value holds a tensor at any depth (the tree is acyclic and of bounded depth). */
    static boolean containsTensor(Object o) {
        if (o instanceof HostTensor) {
            return true;
        }
        if (o instanceof Map<?, ?> m) {
            for (Object v : m.values()) {
                if (containsTensor(v)) {
                    return true;
                }
            }
        } else if (o instanceof List<?> l) {
            for (Object v : l) {
                if (containsTensor(v)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void flatten(Object o, String prefix, Map<String, HostTensor> out) {
        if (o instanceof HostTensor t) {
            out.put(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), t);
        } else if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> flatten(v, prefix + k + ".", out));
        } else if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                flatten(l.get(i), prefix + i + ".", out);
            }
        }
    }
}
