package dev.freqmed.io.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.io.HostTensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Converts Keras kernel layouts and names to PyTorch's (FRCU-Net spec §6.1):
 *
 * <ul>
 *   <li>Conv2D {@code kernel} (kh, kw, in, out) → (out, in, kh, kw);
 *   <li>DepthwiseConv2D {@code depthwise_kernel} (kh, kw, C, m) → (C·m, 1, kh, kw), groups C;
 *   <li>Dense {@code kernel} (in, out) → (out, in);
 *   <li>Conv2DTranspose {@code kernel} (kh, kw, out, in) → ConvTranspose2d (in, out, kh, kw)
 *       (no spatial flip: both are the adjoint of the same cross-correlation);
 *   <li>Conv3D {@code kernel} (kd, kh, kw, in, out) → (out, in, kd, kh, kw), and
 *       {@link #conv3dAsConv2d} for a (1, 1, L, C, O) kernel used as a 1×1 Conv2d over L·C
 *       channels;
 *   <li>BatchNormalization {@code gamma, beta, moving_mean, moving_variance} →
 *       {@code weight, bias, running_mean, running_var}.
 * </ul>
 *
 * <p>Keras numbers unnamed layers with one counter per class for the whole session, so the
 * numbers in a file depend on how many models were built before ({@code conv2d_16} instead of
 * {@code conv2d_1}); {@link #autoNameGroups} groups such names by class prefix in creation order
 * so a model's name table can match them by position.
 */
public final class KerasLayouts {

    private static final Pattern SUFFIX = Pattern.compile("^(.*)_(\\d+)$");
    private static final Map<String, String> CLASS_OF_PREFIX = Map.of(
            "conv2d", "Conv2D", "conv2d_transpose", "Conv2DTranspose", "dense", "Dense",
            "depthwise_conv2d", "DepthwiseConv2D", "batch_normalization", "BatchNormalization",
            "conv3d", "Conv3D", "separable_conv2d", "SeparableConv2D", "conv1d", "Conv1D");

    private KerasLayouts() {
    }

    /** Conv2D kernel (kh, kw, in, out) → (out, in, kh, kw). */
    public static HostTensor conv2d(HostTensor k) {
        requireRank(k, 4, "Conv2D kernel");
        return k.permute(3, 2, 0, 1).copy();
    }

    /** DepthwiseConv2D kernel (kh, kw, C, m) → (C·m, 1, kh, kw). */
    public static HostTensor depthwise(HostTensor k) {
        requireRank(k, 4, "DepthwiseConv2D kernel");
        long[] s = k.shape();
        return k.permute(2, 3, 0, 1).copy().reshape(s[2] * s[3], 1, s[0], s[1]);
    }

    /** Dense kernel (in, out) → Linear weight (out, in). */
    public static HostTensor dense(HostTensor k) {
        requireRank(k, 2, "Dense kernel");
        return k.permute(1, 0).copy();
    }

    /** Conv2DTranspose kernel (kh, kw, out, in) → ConvTranspose2d weight (in, out, kh, kw). */
    public static HostTensor conv2dTranspose(HostTensor k) {
        requireRank(k, 4, "Conv2DTranspose kernel");
        return k.permute(3, 2, 0, 1).copy();
    }

    /** Conv3D kernel (kd, kh, kw, in, out) → Conv3d weight (out, in, kd, kh, kw). */
    public static HostTensor conv3d(HostTensor k) {
        requireRank(k, 5, "Conv3D kernel");
        return k.permute(4, 3, 0, 1, 2).copy();
    }

    /**
     * A Conv3D kernel of shape (1, 1, L, C, O) as a 1×1 Conv2d weight (O, L·C, 1, 1) with
     * {@code W[o, l·C + c] = K[0, 0, l, c, o]} (FRCU-Net spec §6.1).
     *
     * @throws IllegalArgumentException for another shape
     */
    public static HostTensor conv3dAsConv2d(HostTensor k) {
        requireRank(k, 5, "Conv3D kernel");
        long[] s = k.shape();
        if (s[0] != 1 || s[1] != 1) {
            throw new IllegalArgumentException("Conv3D kernel as 1x1 Conv2d needs shape "
                    + "(1, 1, L, C, O), found " + Arrays.toString(s));
        }
        return k.permute(4, 2, 3, 0, 1).copy().reshape(s[4], s[2] * s[3], 1, 1);
    }

    private static void requireRank(HostTensor k, int rank, String what) {
        if (k.shape().length != rank) {
            throw new IllegalArgumentException(what + " must have rank " + rank + ", found shape "
                    + Arrays.toString(k.shape()));
        }
    }

    /**
     * The class name of each layer: from the file's {@code model_config} when present, otherwise
     * guessed from the layer name's prefix ({@code conv2d_3} → Conv2D); unknown layers are absent.
     */
    public static Map<String, String> layerClasses(Checkpoint keras) {
        Map<String, String> out = new HashMap<>();
        String cfg = keras.metadata().get("model_config");
        if (cfg != null) {
            try {
                JsonNode root = new ObjectMapper().readTree(cfg);
                JsonNode layers = root.path("config").path("layers");
                for (JsonNode l : layers) {
                    String name = l.path("config").path("name").asText(l.path("name").asText());
                    out.put(name, l.path("class_name").asText());
                }
            } catch (IOException e) {
                // a damaged config: fall back to names
                out.clear();
            }
        }
        String names = keras.metadata().getOrDefault("layer_names", "");
        for (String layer : names.split(",")) {
            if (layer.isEmpty() || out.containsKey(layer)) {
                continue;
            }
            Matcher m = SUFFIX.matcher(layer);
            String prefix = m.matches() ? m.group(1) : layer;
            String cls = CLASS_OF_PREFIX.get(prefix);
            if (cls != null) {
                out.put(layer, cls);
            }
        }
        return out;
    }

    /**
     * Converts every weight of a Keras checkpoint to PyTorch layout and naming:
     * {@code conv2d_1/kernel:0} becomes {@code conv2d_1.weight} (out, in, kh, kw),
     * {@code batch_normalization_1/moving_mean:0} becomes
     * {@code batch_normalization_1.running_mean}, and so on. Kernels whose layer class is unknown
     * are converted by rank (2: Dense, 4: Conv2D, 5: Conv3D).
     *
     * @throws IllegalArgumentException for a kernel of a rank that fits no rule
     */
    public static Map<String, HostTensor> toTorch(Checkpoint keras) {
        Map<String, String> classes = layerClasses(keras);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : keras.stateDict().entrySet()) {
            String full = e.getKey();
            int slash = full.lastIndexOf('/');
            String layer = slash < 0 ? "" : full.substring(0, slash);
            String w = slash < 0 ? full : full.substring(slash + 1);
            int colon = w.indexOf(':');
            if (colon >= 0) {
                w = w.substring(0, colon);
            }
            String cls = classes.getOrDefault(layer, "");
            HostTensor t = e.getValue();
            String name;
            HostTensor v;
            switch (w) {
                case "kernel":
                    name = cls.equals("SeparableConv2D") ? "pointwise.weight" : "weight";
                    v = convertKernel(cls, t);
                    break;
                case "depthwise_kernel":
                    name = cls.equals("SeparableConv2D") ? "depthwise.weight" : "weight";
                    v = depthwise(t);
                    break;
                case "pointwise_kernel":
                    name = "pointwise.weight";
                    v = conv2d(t);
                    break;
                case "bias":
                    name = cls.equals("SeparableConv2D") ? "pointwise.bias" : "bias";
                    v = t;
                    break;
                case "gamma":
                    name = "weight";
                    v = t;
                    break;
                case "beta":
                    name = "bias";
                    v = t;
                    break;
                case "moving_mean":
                    name = "running_mean";
                    v = t;
                    break;
                case "moving_variance":
                    name = "running_var";
                    v = t;
                    break;
                default:
                    name = w;
                    v = t;
            }
            String layerKey = layer.contains("/") ? layer.substring(0, layer.indexOf('/')) : layer;
            out.put(layerKey.isEmpty() ? name : layerKey + "." + name, v);
        }
        return out;
    }

    private static HostTensor convertKernel(String cls, HostTensor t) {
        switch (cls) {
            case "Conv2DTranspose":
                return conv2dTranspose(t);
            case "Dense":
                return dense(t);
            case "Conv3D":
                return conv3d(t);
            case "DepthwiseConv2D":
                return depthwise(t);
            default:
                break;
        }
        switch (t.shape().length) {
            case 2:
                return dense(t);
            case 4:
                return conv2d(t);
            case 5:
                return conv3d(t);
            default:
                throw new IllegalArgumentException("no layout rule for a kernel of shape "
                        + Arrays.toString(t.shape()) + " (layer class '" + cls + "')");
        }
    }

    /**
     * Groups Keras auto-named layers ({@code prefix_N}) by class prefix, each group sorted by N
     * (creation order). Names with another prefix, or without a numeric suffix, are left out.
     * For example {@code [conv2d_17, dense_4, conv2d_16, aspp0_BN]} with prefixes
     * {@code {conv2d, dense}} gives {@code {conv2d=[conv2d_16, conv2d_17], dense=[dense_4]}}.
     *
     * @param layerNames the layer names of a file
     * @param classPrefixes the auto-name prefixes to group ({@code conv2d}, {@code dense}, ...)
     */
    public static Map<String, List<String>> autoNameGroups(Collection<String> layerNames,
            Set<String> classPrefixes) {
        Map<String, List<String>> out = new TreeMap<>();
        for (String n : layerNames) {
            Matcher m = SUFFIX.matcher(n);
            if (m.matches() && classPrefixes.contains(m.group(1))) {
                out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(n);
            }
        }
        for (List<String> l : out.values()) {
            l.sort(Comparator.comparingLong(KerasLayouts::suffix));
        }
        return out;
    }

    private static long suffix(String name) {
        Matcher m = SUFFIX.matcher(name);
        if (!m.matches() || m.group(2).length() > 18) {
            return Long.MAX_VALUE;
        }
        return Long.parseLong(m.group(2));
    }
}
