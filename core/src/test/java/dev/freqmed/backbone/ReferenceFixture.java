package dev.freqmed.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.io.StateDicts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads one module case of {@code testdata/fsanet/reference-modules.json} (weights, inputs and
 * output computed with the PyTorch reference) and loads its weights into a block by key.
 */
public final class ReferenceFixture {

    /** The repository's test data folder, found from the module directory. */
    public static final Path TESTDATA = Path.of("..", "testdata");

    private static JsonNode root;
    private final JsonNode node;

    private ReferenceFixture(JsonNode node) {
        this.node = node;
    }

    /** The case named {@code name}. */
    public static synchronized ReferenceFixture load(String name) throws IOException {
        if (root == null) {
            root = new ObjectMapper().readTree(
                    TESTDATA.resolve("fsanet/reference-modules.json").toFile());
        }
        JsonNode n = root.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no fixture case " + name);
        }
        return new ReferenceFixture(n);
    }

    /** Loads every weight into {@code block}; fails on a missing, extra or mis-shaped key. */
    public void loadInto(Block block) {
        Map<String, Parameter> params = StateDicts.parameters(block);
        JsonNode w = node.get("weights");
        if (w.size() != params.size()) {
            throw new AssertionError("fixture has " + w.size() + " weights, block "
                    + params.size() + ": " + params.keySet());
        }
        Iterator<String> it = w.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            Parameter p = params.get(k);
            if (p == null) {
                throw new AssertionError("block has no key " + k + "; has " + params.keySet());
            }
            NDArray a = p.getArray();
            Shape want = shape(w.get(k));
            if (!a.getShape().equals(want)) {
                throw new AssertionError(k + ": shape " + a.getShape() + " vs reference " + want);
            }
            a.set(data(w.get(k)));
        }
    }

    /**
     * The PyTorch {@code num_batches_tracked} keys a network's BatchNorm layers have (DJL keeps
     * no such counter): one per BatchNorm, named after its place in the tree.
     */
    public static List<String> batchNormCounters(Block root) {
        List<String> out = new ArrayList<>();
        for (String k : StateDicts.parameters(root).keySet()) {
            if (k.endsWith(".running_mean")) {
                out.add(k.substring(0, k.length() - "running_mean".length())
                        + "num_batches_tracked");
            }
        }
        return out;
    }

    /** The inputs as arrays. */
    public List<NDArray> inputs(NDManager m) {
        List<NDArray> out = new ArrayList<>();
        for (JsonNode n : node.get("inputs")) {
            out.add(m.create(data(n), shape(n)));
        }
        return out;
    }

    /** The reference output. */
    public NDArray output(NDManager m) {
        JsonNode n = node.get("output");
        return m.create(data(n), shape(n));
    }

    private static Shape shape(JsonNode n) {
        long[] s = new long[n.get("shape").size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = n.get("shape").get(i).asLong();
        }
        return new Shape(s);
    }

    private static float[] data(JsonNode n) {
        JsonNode d = n.get("data");
        float[] v = new float[d.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) d.get(i).asDouble();
        }
        return v;
    }
}
