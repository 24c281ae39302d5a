package dev.freqmed.model.frcunet;

import dev.freqmed.io.HostTensor;
import dev.freqmed.io.WeightFormatException;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.KerasLayouts;
import dev.freqmed.nn.Blocks;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name table between the reference Keras HDF5 weights of FRCU-Net (spec §6.2) and the
 * PyTorch-style parameter keys of {@link FrcuNet} (as {@code dev.freqmed.io.StateDicts} builds
 * them), with the layout conversion each kernel needs (spec §6.1).
 *
 * <p>Explicitly named Keras layers ({@code entry_flow_*}, {@code middle_flow_*},
 * {@code exit_flow_*}, {@code aspp0*}, {@code concat_projection_BN}) match exactly. Auto-named
 * layers ({@code depthwise_conv2d_N}, {@code dense_N}, {@code conv3d_N}, {@code conv2d_N}) carry
 * session-dependent numbers (spec §6.3: a checkpoint from the training script most likely has
 * {@code conv2d_16..30}), so {@link #resolve} groups a file's auto-named layers by class prefix,
 * sorts each group by number and matches it to the creation order of the table, then checks every
 * shape. The table itself uses the names of a fresh Keras session ({@code conv2d_1..15}).
 */
public final class FrcuNetKerasNames {

    /** Class prefixes of the auto-named layers, in the order FRCU-Net creates them. */
    public static final List<String> AUTO_PREFIXES =
            List.of("depthwise_conv2d", "dense", "conv3d", "conv2d");

    private static final Pattern AUTO =
            Pattern.compile("^(depthwise_conv2d|dense|conv3d|conv2d)_(\\d+)$");
    private static final String[] BN_KERAS = {"gamma", "beta", "moving_mean", "moving_variance"};
    private static final String[] BN_TORCH = {"weight", "bias", "running_mean", "running_var"};

    private FrcuNetKerasNames() {
    }

    /** How a Keras array becomes the FreqMed (PyTorch-layout) array (spec §6.1). */
    public enum Layout {
        /** A vector (bias, BatchNorm statistics): unchanged. */
        VECTOR,
        /** Conv2D kernel {@code (kh, kw, in, out)} → {@code (out, in, kh, kw)}. */
        CONV2D,
        /** DepthwiseConv2D kernel {@code (kh, kw, C, 1)} → {@code (C, 1, kh, kw)}. */
        DEPTHWISE,
        /** Dense kernel {@code (in, out)} → {@code (out, in)}. */
        DENSE,
        /**
         * Conv3D kernel {@code (1, 1, L, C, O)} → 1×1 Conv2d {@code (O, L·C, 1, 1)} with
         * {@code W[o, l·C + c] = K[0, 0, l, c, o]}.
         */
        CONV3D_AS_CONV2D
    }

    /**
     * One weight array.
     *
     * @param layer      the Keras layer name (fresh-session auto-names for unnamed layers)
     * @param weight     the Keras weight name inside the layer ({@code kernel}, {@code gamma}, …)
     * @param key        the FreqMed parameter key
     * @param kerasShape the array's shape in the Keras file
     * @param layout     the conversion to FreqMed layout
     */
    public record Weight(String layer, String weight, String key, long[] kerasShape,
            Layout layout) {

        /** {@code layer/weight}, the HDF5 weight name without the {@code :0} suffix. */
        public String kerasName() {
            return layer + "/" + weight;
        }

        /** The shape of the FreqMed parameter after conversion. */
        public long[] torchShape() {
            long[] s = kerasShape;
            switch (layout) {
                case CONV2D:
                    return new long[] {s[3], s[2], s[0], s[1]};
                case DEPTHWISE:
                    return new long[] {s[2] * s[3], 1, s[0], s[1]};
                case DENSE:
                    return new long[] {s[1], s[0]};
                case CONV3D_AS_CONV2D:
                    return new long[] {s[4], s[2] * s[3], 1, 1};
                default:
                    return s.clone();
            }
        }
    }

    /**
     * The table for a network built from {@code config}, in Keras creation order. For the paper
     * config it lists the 709 arrays of 292 layers of spec §6.2.
     *
     * @throws IllegalArgumentException for a variant other than {@code FRCUNET}, which has no
     *                                  Keras counterpart
     */
    public static List<Weight> table(FrcuNetConfig config) {
        if (config.variant() != FrcuNetConfig.Variant.FRCUNET) {
            throw new IllegalArgumentException("Keras weights exist only for the FRCUNET variant,"
                    + " found " + config.variant());
        }
        double w = config.widthMultiplier();
        List<Weight> t = new ArrayList<>();
        int c32 = Blocks.scaleChannels(32, w);
        int c64 = Blocks.scaleChannels(64, w);
        int c128 = Blocks.scaleChannels(128, w);
        int c256 = Blocks.scaleChannels(256, w);
        int c512 = Blocks.scaleChannels(512, w);
        int c728 = Blocks.scaleChannels(728, w);
        int c1024 = Blocks.scaleChannels(1024, w);
        int c1536 = Blocks.scaleChannels(1536, w);
        int c2048 = Blocks.scaleChannels(2048, w);
        String enc = "encoder.";
        conv(t, "entry_flow_conv1_1", enc + "entry_flow_conv1_1", 3, 3, c32, false);
        bn(t, "entry_flow_conv1_1_BN", enc + "entry_flow_conv1_1_BN", c32);
        conv(t, "entry_flow_conv1_2", enc + "entry_flow_conv1_2", 3, c32, c64, false);
        bn(t, "entry_flow_conv1_2_BN", enc + "entry_flow_conv1_2_BN", c64);
        xception(t, "entry_flow_block1", c64, new int[] {c128, c128, c128}, true);
        xception(t, "entry_flow_block2", c128, new int[] {c256, c256, c256}, true);
        xception(t, "entry_flow_block3", c256, new int[] {c728, c728, c728}, true);
        for (int i = 1; i <= config.middleBlocks(); i++) {
            xception(t, "middle_flow_unit_" + i, c728, new int[] {c728, c728, c728}, false);
        }
        xception(t, "exit_flow_block1", c728, new int[] {c728, c1024, c1024}, true);
        xception(t, "exit_flow_block2", c1024, new int[] {c1536, c1536, c2048}, false);
        conv(t, "aspp0b4b", "aspp0b4b", 3, c2048, c1024, false);
        conv(t, "aspp0bb", "aspp0bb", 3, c1024, c512, false);
        conv(t, "aspp0bbbb", "aspp0bbbb", 3, c512, c256, false);
        bn(t, "aspp0_BN", "aspp0_BN", c256);
        int[] sizes = {3, 5, 7, 9};
        for (int k = 1; k <= 4; k++) {
            int n = sizes[k - 1];
            t.add(new Weight("depthwise_conv2d_" + k, "depthwise_kernel",
                    "frc.band_stack.gaussian_" + k, new long[] {n, n, c256, 1}, Layout.DEPTHWISE));
        }
        int hidden = Blocks.scaleChannels(config.frcHidden(), w);
        int[][] dense = {{c256, c256}, {c256, hidden}, {hidden, c256}};
        for (int i = 0; i < 3; i++) {
            t.add(new Weight("dense_" + (i + 1), "kernel", "frc.attention_fc" + i + ".weight",
                    new long[] {dense[i][0], dense[i][1]}, Layout.DENSE));
        }
        t.add(new Weight("conv3d_1", "kernel", "frc.fusion.weight",
                new long[] {1, 1, 5, c256, c256}, Layout.CONV3D_AS_CONV2D));
        conv(t, "conv2d_1", "conv2d_1", 3, c256, c256, true);
        conv(t, "conv2d_2", "conv2d_2", 3, c256, c256, true);
        bn(t, "concat_projection_BN", "concat_projection_BN", c256);
        int[][] dec = {
            {3, 2, c256, c256}, {4, 3, c256 + c256, c256}, {5, 3, c256, c256},
            {6, 2, c256, c256}, {7, 3, c128 + c256, c256}, {8, 3, c256, c256},
            {9, 2, c256, c128}, {10, 3, c64 + c128, c128}, {11, 3, c128, c128},
            {12, 3, c128, c64}, {13, 3, c64, c64}, {14, 3, c64, 2}, {15, 1, 2, 1},
        };
        for (int[] d : dec) {
            conv(t, "conv2d_" + d[0], "conv2d_" + d[0], d[1], d[2], d[3], true);
        }
        return Collections.unmodifiableList(t);
    }

    private static void xception(List<Weight> t, String p, int in, int[] depths,
            boolean shortcut) {
        String key = "encoder." + p + ".";
        int c = in;
        for (int i = 1; i <= 3; i++) {
            String sep = p + "_separable_conv" + i;
            String sepKey = key + "separable_conv" + i + ".";
            t.add(new Weight(sep + "_depthwise", "depthwise_kernel", sepKey + "depthwise.weight",
                    new long[] {3, 3, c, 1}, Layout.DEPTHWISE));
            bn(t, sep + "_depthwise_BN", sepKey + "depthwise_BN", c);
            conv(t, sep + "_pointwise", sepKey + "pointwise", 1, c, depths[i - 1], false);
            bn(t, sep + "_pointwise_BN", sepKey + "pointwise_BN", depths[i - 1]);
            c = depths[i - 1];
        }
        if (shortcut) {
            conv(t, p + "_shortcut", key + "shortcut", 1, in, depths[2], false);
            bn(t, p + "_shortcut_BN", key + "shortcut_BN", depths[2]);
        }
    }

    private static void conv(List<Weight> t, String layer, String key, int k, int in, int out,
            boolean bias) {
        t.add(new Weight(layer, "kernel", key + ".weight", new long[] {k, k, in, out},
                Layout.CONV2D));
        if (bias) {
            t.add(new Weight(layer, "bias", key + ".bias", new long[] {out}, Layout.VECTOR));
        }
    }

    private static void bn(List<Weight> t, String layer, String key, int c) {
        for (int i = 0; i < 4; i++) {
            t.add(new Weight(layer, BN_KERAS[i], key + "." + BN_TORCH[i], new long[] {c},
                    Layout.VECTOR));
        }
    }

    /**
     * Matches the weights of a Keras file to the table: explicit layer names exactly, auto-named
     * layers by class prefix in numeric order (spec §6.3); then checks every shape.
     *
     * @param table       from {@link #table}
     * @param fileWeights the file's weights as {@code layer/weight} (an HDF5 {@code :0} suffix
     *                    and leading path segments are ignored) with their Keras shapes
     * @return for each table entry (in table order) the file's weight name, as given
     * @throws IllegalArgumentException naming missing, unexpected or mis-shaped weights
     */
    public static Map<Weight, String> resolve(List<Weight> table, Map<String, long[]> fileWeights) {
        Map<String, String> byNormalName = new LinkedHashMap<>();
        Set<String> fileLayers = new LinkedHashSet<>();
        for (String name : fileWeights.keySet()) {
            String n = normalise(name);
            if (byNormalName.put(n, name) != null) {
                throw new IllegalArgumentException("Keras weight " + n + " appears twice");
            }
            fileLayers.add(n.substring(0, n.lastIndexOf('/')));
        }
        Map<String, String> layerMap = matchLayers(table, fileLayers);
        Map<Weight, String> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        Set<String> used = new LinkedHashSet<>();
        for (Weight w : table) {
            String fileName = layerMap.get(w.layer()) + "/" + w.weight();
            String original = byNormalName.get(fileName);
            if (original == null) {
                problems.add("missing " + fileName + " (for " + w.key() + ")");
                continue;
            }
            long[] s = fileWeights.get(original);
            if (!Arrays.equals(s, w.kerasShape())) {
                problems.add(fileName + " has shape " + Arrays.toString(s) + ", expected "
                        + Arrays.toString(w.kerasShape()) + " (for " + w.key() + ")");
                continue;
            }
            used.add(fileName);
            out.put(w, original);
        }
        for (String n : byNormalName.keySet()) {
            if (!used.contains(n) && problems.stream().noneMatch(p -> p.startsWith(n + " "))) {
                problems.add("unexpected " + n);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Keras weights do not match FRCU-Net ("
                    + problems.size() + " problems): " + String.join("; ",
                            problems.subList(0, Math.min(problems.size(), 20)))
                    + (problems.size() > 20 ? "; …" : ""));
        }
        return out;
    }

    /**
     * Converts the weights of a Keras FRCU-Net HDF5 file ({@code dev.freqmed.io.weights
     * .KerasReader}) to the parameter keys and layouts of a network built from {@code config}.
     *
     * @param config the network's config (variant {@code FRCUNET})
     * @param keras  a {@code keras-h5} checkpoint whose tensors are named {@code layer/weight:0}
     * @return tensors by FreqMed parameter key, in table order
     * @throws IOException naming the file and the missing, unexpected or mis-shaped weights
     */
    public static Map<String, HostTensor> toNetworkKeys(FrcuNetConfig config, Checkpoint keras)
            throws IOException {
        Map<String, HostTensor> sd = keras.stateDict();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : sd.entrySet()) {
            shapes.put(e.getKey(), e.getValue().shape());
        }
        Map<Weight, String> matched;
        try {
            matched = resolve(table(config), shapes);
        } catch (IllegalArgumentException e) {
            throw new WeightFormatException(keras.source(), e.getMessage(), e);
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<Weight, String> e : matched.entrySet()) {
            HostTensor t = sd.get(e.getValue());
            out.put(e.getKey().key(), switch (e.getKey().layout()) {
                case CONV2D -> KerasLayouts.conv2d(t);
                case DEPTHWISE -> KerasLayouts.depthwise(t);
                case DENSE -> KerasLayouts.dense(t);
                case CONV3D_AS_CONV2D -> KerasLayouts.conv3dAsConv2d(t);
                case VECTOR -> t;
            });
        }
        return out;
    }

    /**
     * Maps each table layer name to a file layer name: explicit names to themselves, auto-names
     * by position within their class prefix.
     *
     * @throws IllegalArgumentException when a prefix group has another size than the table's
     */
    static Map<String, String> matchLayers(List<Weight> table, Collection<String> fileLayers) {
        Map<String, List<String>> tableGroups = groups(layersOf(table));
        Map<String, List<String>> fileGroups = groups(fileLayers);
        Map<String, String> map = new LinkedHashMap<>();
        for (String layer : layersOf(table)) {
            map.put(layer, layer);
        }
        for (String prefix : AUTO_PREFIXES) {
            List<String> want = tableGroups.getOrDefault(prefix, List.of());
            List<String> have = fileGroups.getOrDefault(prefix, List.of());
            if (want.size() != have.size()) {
                throw new IllegalArgumentException("Keras file has " + have.size() + " auto-named "
                        + prefix + "_N layers " + have + ", FRCU-Net needs " + want.size());
            }
            for (int i = 0; i < want.size(); i++) {
                map.put(want.get(i), have.get(i));
            }
        }
        return map;
    }

    private static Collection<String> layersOf(List<Weight> table) {
        Set<String> layers = new LinkedHashSet<>();
        for (Weight w : table) {
            layers.add(w.layer());
        }
        return layers;
    }

    private static Map<String, List<String>> groups(Collection<String> layers) {
        Map<String, List<String>> g = new TreeMap<>();
        for (String l : layers) {
            Matcher m = AUTO.matcher(l);
            if (m.matches()) {
                g.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(l);
            }
        }
        for (List<String> list : g.values()) {
            list.sort(Comparator.comparingLong(FrcuNetKerasNames::suffix));
        }
        return g;
    }

    private static long suffix(String layer) {
        Matcher m = AUTO.matcher(layer);
        return m.matches() && m.group(2).length() < 18 ? Long.parseLong(m.group(2))
                : Long.MAX_VALUE;
    }

    private static String normalise(String name) {
        String n = name;
        int colon = n.lastIndexOf(':');
        if (colon > n.lastIndexOf('/')) {
            n = n.substring(0, colon);
        }
        int last = n.lastIndexOf('/');
        if (last < 0) {
            throw new IllegalArgumentException("Keras weight name '" + name
                    + "' has no layer/weight form");
        }
        int prev = n.lastIndexOf('/', last - 1);
        return n.substring(prev + 1);
    }
}
