package dev.freqmed.backbone;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch-style state-dict keys of a block tree: child names without DJL's two-digit position
 * prefix joined with dots, and DJL's normalisation parameter names mapped to PyTorch's
 * ({@code gamma→weight}, {@code beta→bias}, {@code runningMean→running_mean},
 * {@code runningVar→running_var}). Each BatchNorm also has a {@code num_batches_tracked} entry in
 * PyTorch that has no DJL counterpart; {@link #bufferKeys} lists them.
 */
public final class TorchKeys {

    private static final Map<String, String> RENAME = Map.of(
            "gamma", "weight", "beta", "bias",
            "runningMean", "running_mean", "runningVar", "running_var");

    private TorchKeys() {
    }

    /** Every parameter of {@code root} by its PyTorch key, in tree order. */
    public static Map<String, Parameter> parameters(Block root) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        walk(root, "", out, null);
        return out;
    }

    /** The {@code num_batches_tracked} keys of every BatchNorm under {@code root}. */
    public static List<String> bufferKeys(Block root) {
        List<String> out = new ArrayList<>();
        walk(root, "", new LinkedHashMap<>(), out);
        return out;
    }

    private static void walk(Block block, String prefix, Map<String, Parameter> out,
            List<String> buffers) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            String name = RENAME.getOrDefault(p.getKey(), p.getKey());
            out.put(prefix + name, p.getValue());
        }
        if (block instanceof BatchNorm && buffers != null) {
            buffers.add(prefix + "num_batches_tracked");
        }
        for (Pair<String, Block> c : block.getChildren()) {
            walk(c.getValue(), prefix + c.getKey().substring(2) + ".", out, buffers);
        }
    }
}
