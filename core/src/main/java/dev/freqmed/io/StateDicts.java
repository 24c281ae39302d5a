package dev.freqmed.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Prelu;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import dev.freqmed.tensor.HostArrays;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch-style state-dict keys for DJL networks, and loading a tensor map into a network by
 * those keys.
 *
 * <p>Keys are built by walking the block tree: at each level DJL's two-digit child prefix
 * ({@code 01conv1}) is stripped and the levels are joined with {@code .}; the children of a
 * {@link SequentialBlock} or {@link ParallelBlock} are named by their 0-based position, like
 * {@code nn.Sequential}. DJL's normalisation parameters are renamed to PyTorch's:
 * {@code gamma, beta, runningMean, runningVar} become {@code weight, bias, running_mean,
 * running_var}, and PReLU's {@code alpha} becomes {@code weight}. A file's
 * {@code num_batches_tracked} for a batch-norm layer is accepted and recorded as ignored.
 *
 * <pre>{@code
 * Block net = ...; net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
 * Map<String, HostTensor> sd = PthReader.read(file).stateDict();
 * LoadReport r = StateDicts.load(net, sd, LoadOptions.strictDefaults()); // throws with a table
 * Map<String, NDArray> copies = StateDicts.tensors(net);                 // for saving
 * }</pre>
 */
public final class StateDicts {

    private static final String NUM_BATCHES = "num_batches_tracked";

    private StateDicts() {
    }

    /**
     * Every parameter and buffer of {@code block} by its PyTorch-style key, in registration order
     * (a block's own parameters before its children's).
     *
     * @throws IllegalArgumentException when two parameters get the same key
     */
    public static LinkedHashMap<String, Parameter> parameters(Block block) {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        walk(block, "", out);
        return out;
    }

    /**
     * Snapshot copies of every parameter's array by key (for saving). The copies live in the
     * manager of each parameter's array; the caller closes them when done.
     *
     * @throws IllegalStateException when the block is not initialized
     */
    public static Map<String, NDArray> tensors(Block block) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters(block).entrySet()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                throw new IllegalStateException("parameter " + e.getKey()
                        + " is not initialized; initialize the block before saving");
            }
            out.put(e.getKey(), p.getArray().duplicate());
        }
        return out;
    }

    /**
     * Host copies of every parameter's array by key.
     *
     * @throws IllegalStateException when the block is not initialized
     */
    public static Map<String, HostTensor> hostTensors(Block block) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters(block).entrySet()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                throw new IllegalStateException("parameter " + e.getKey()
                        + " is not initialized; initialize the block before saving");
            }
            out.put(e.getKey(), HostTensor.fromNDArray(p.getArray()));
        }
        return out;
    }

    private static void walk(Block block, String prefix, Map<String, Parameter> out) {
        boolean norm = block instanceof BatchNorm || block instanceof LayerNorm;
        boolean prelu = block instanceof Prelu;
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            String name = norm ? torchNormName(p.getKey())
                    : prelu && p.getKey().equals("alpha") ? "weight" : p.getKey();
            put(out, prefix + name, p.getValue());
        }
        PairList<String, Block> children = block.getChildren();
        boolean positional = block instanceof SequentialBlock || block instanceof ParallelBlock;
        for (int i = 0; i < children.size(); i++) {
            String seg = positional ? Integer.toString(i) : stripIndex(children.keyAt(i));
            walk(children.valueAt(i), prefix + seg + ".", out);
        }
    }

    private static void put(Map<String, Parameter> out, String key, Parameter p) {
        if (out.put(key, p) != null) {
            throw new IllegalArgumentException("two parameters share the key '" + key + "'");
        }
    }

    /** Strips DJL's two-digit child prefix ({@code 01conv1} becomes {@code conv1}). */
    static String stripIndex(String childName) {
        if (childName.length() > 2 && Character.isDigit(childName.charAt(0))
                && Character.isDigit(childName.charAt(1))) {
            return childName.substring(2);
        }
        return childName;
    }

    private static String torchNormName(String djlName) {
        switch (djlName) {
            case "gamma":
                return "weight";
            case "beta":
                return "bias";
            case "runningMean":
                return "running_mean";
            case "runningVar":
                return "running_var";
            default:
                return djlName;
        }
    }

    /**
     * Fills every parameter of an initialized {@code block} from {@code tensors} by key,
     * converting the dtype to the parameter's. In strict mode nothing is written unless every
     * network key (except those allowed missing) finds a tensor of the right shape and every
     * file key (except ignored ones) is used.
     *
     * @return what was loaded, missing, unexpected, mismatched and ignored
     * @throws IllegalArgumentException in strict mode when the match is not complete; the
     *     message is the full {@link LoadReport#table()}
     * @throws IllegalStateException when the block is not initialized
     */
    public static LoadReport load(Block block, Map<String, HostTensor> tensors,
            LoadOptions options) {
        LinkedHashMap<String, Parameter> params = parameters(block);
        Map<String, HostTensor> renamed = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            String key = options.rename().apply(e.getKey());
            if (key == null) {
                ignored.add(e.getKey());
            } else if (renamed.put(key, e.getValue()) != null) {
                throw new IllegalArgumentException("two file keys map to '" + key + "'");
            }
        }
        List<String> loaded = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<LoadReport.Mismatch> mismatched = new ArrayList<>();
        Map<Parameter, HostTensor> plan = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                throw new IllegalStateException("parameter " + e.getKey()
                        + " is not initialized; initialize the block before loading");
            }
            HostTensor t = renamed.get(e.getKey());
            if (t == null) {
                if (!LoadOptions.matchesAny(options.allowMissing(), e.getKey())) {
                    missing.add(e.getKey());
                }
                continue;
            }
            long[] expected = p.getArray().getShape().getShape();
            if (!Arrays.equals(expected, t.shape())) {
                mismatched.add(new LoadReport.Mismatch(e.getKey(), expected, t.shape()));
                continue;
            }
            plan.put(p, t);
            loaded.add(e.getKey());
        }
        for (String key : renamed.keySet()) {
            if (params.containsKey(key)) {
                continue;
            }
            if (isBatchCounter(key, params) || LoadOptions.matchesAny(options.ignoreUnexpected(),
                    key)) {
                ignored.add(key);
            } else {
                unexpected.add(key);
            }
        }
        LoadReport report = new LoadReport(loaded, missing, unexpected, mismatched, ignored);
        if (options.strict() && !report.isComplete()) {
            throw new IllegalArgumentException("weights do not match the network: "
                    + report.table());
        }
        for (Map.Entry<Parameter, HostTensor> e : plan.entrySet()) {
            assign(e.getKey().getArray(), e.getValue());
        }
        return report;
    }

    private static boolean isBatchCounter(String key, Map<String, Parameter> params) {
        if (!key.equals(NUM_BATCHES) && !key.endsWith("." + NUM_BATCHES)) {
            return false;
        }
        String prefix = key.substring(0, key.length() - NUM_BATCHES.length());
        return params.containsKey(prefix + "running_mean");
    }

    /** Copies the values of {@code source} into {@code target}, converting the dtype. */
    private static void assign(NDArray target, HostTensor source) {
        DataType want = target.getDataType();
        if (source.dtype().djl() == want && source.engineDtype() == source.dtype()) {
            ByteBuffer d = source.data();
            ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(d.remaining(), 1))
                    .order(ByteOrder.nativeOrder());
            direct.put(d.duplicate()).flip();
            HostArrays.copyInto(target, direct);
            return;
        }
        try (NDArray tmp = source.toNDArray(target.getManager());
                NDArray cast = tmp.toType(want, false)) {
            HostArrays.copyInto(target, cast.toByteBuffer());
        }
    }
}
