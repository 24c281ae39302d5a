package dev.freqmed.metric;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The evaluation families and metric keys FreqMed knows.
 *
 * <p>Families, by lower-case name: {@code binary} (FRCU-Net), {@code sod} (FSANet / dichotomous
 * segmentation), {@code instance} and {@code nuclei-type} (FPNuNet / HoVer-Net statistics),
 * {@code fewshot} (FAF-Net), {@code fid} and {@code kid} (Diffusion-FFPE). Each has an
 * {@link EvaluationFamily} that reads and scores folders ({@link #family}) and a metric with the
 * reference's default settings ({@link #create}).
 *
 * <p>Keys: every headline scalar of a family and every value training tracks ({@code loss},
 * {@code train_loss} and the binary validation's {@code dice}, {@code iou}, {@code pooled_dice},
 * {@code accuracy}) is registered with its {@link Direction}. Training monitors are looked up with
 * {@link #monitor}: {@code val_dice} is the key {@code dice} as measured on the validation split.
 * Key names are matched without regard to case ({@code val_mae} finds {@code MAE}).
 */
public final class MetricRegistry {

    private static final Map<String, Supplier<Metric<?, ?>>> METRICS = new LinkedHashMap<>();
    private static final Map<String, EvaluationFamily> FAMILIES = new LinkedHashMap<>();
    private static final Map<String, MetricKey> KEYS =
            new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    /** Prefix of the values measured on the validation split. */
    public static final String VALIDATION_PREFIX = "val_";
    /** The training loss as the trainer names it. */
    private static final String TRAIN_LOSS = "train_loss";

    static {
        register(new BinaryFamily(), BinarySegmentationMetrics::new);
        register(new SodFamily(), SodMetrics::new);
        register(new InstanceFamily(), InstanceSegmentationMetrics::new);
        register(new NucleusTypeFamily(), NucleusTypeMetrics::new);
        register(new FewShotFamily(), VolumeDiceScore::new);
        register(new FidFamily(), FrechetInceptionDistance::new);
        register(new KidFamily(), () -> new KernelInceptionDistance(
                EvaluationRequest.DEFAULT_KID_SUBSETS, EvaluationRequest.DEFAULT_KID_SUBSET_SIZE,
                0));
        // What the trainer tracks besides the families' keys.
        registerKey(MetricKey.minimized("loss", "the task's training loss"));
        registerKey(MetricKey.minimized(TRAIN_LOSS, "mean training loss of an epoch"));
        registerKey(MetricKey.maximized("dice", "mean per-image Dice (binary validation)"));
        registerKey(MetricKey.maximized("iou", "mean per-image IoU (binary validation)"));
        registerKey(MetricKey.maximized("pooled_dice", "Dice of the pooled pixels"));
        registerKey(MetricKey.maximized("accuracy", "pooled pixel accuracy"));
    }

    private MetricRegistry() {
    }

    private static void register(EvaluationFamily family, Supplier<Metric<?, ?>> metric) {
        if (FAMILIES.put(family.name(), family) != null) {
            throw new IllegalStateException("evaluation family '" + family.name()
                    + "' registered twice");
        }
        METRICS.put(family.name(), metric);
        family.keys().forEach(MetricRegistry::registerKey);
    }

    /** Registers a key; a name registered again must keep its direction. */
    private static void registerKey(MetricKey key) {
        MetricKey old = KEYS.putIfAbsent(key.name(), key);
        if (old != null && old.direction() != key.direction()) {
            throw new IllegalStateException("metric key '" + key.name() + "' is registered as "
                    + old.direction().configName() + " and as " + key.direction().configName());
        }
    }

    /** The registered family names, in a fixed order. */
    public static Set<String> families() {
        return Collections.unmodifiableSet(FAMILIES.keySet());
    }

    /**
     * The evaluation family called {@code name}.
     *
     * @throws IllegalArgumentException for an unknown family, listing the valid ones
     */
    public static EvaluationFamily family(String name) {
        EvaluationFamily f = FAMILIES.get(name);
        if (f == null) {
            throw unknownFamily(name);
        }
        return f;
    }

    /**
     * A new metric of a family with default settings.
     *
     * @throws IllegalArgumentException for an unknown family, listing the valid ones
     */
    public static Metric<?, ?> create(String family) {
        Supplier<Metric<?, ?>> f = METRICS.get(family);
        if (f == null) {
            throw unknownFamily(family);
        }
        return f.get();
    }

    private static IllegalArgumentException unknownFamily(String name) {
        return new IllegalArgumentException("unknown metric family '" + name
                + "'; valid families: " + String.join(", ", FAMILIES.keySet()));
    }

    /** Every registered key, sorted by name. */
    public static List<MetricKey> keys() {
        return List.copyOf(KEYS.values());
    }

    /**
     * The registered key called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException for an unknown key, listing the valid ones
     */
    public static MetricKey key(String name) {
        MetricKey k = name == null ? null : KEYS.get(name);
        if (k == null) {
            throw new IllegalArgumentException("unknown metric '" + name + "'; valid metrics: "
                    + String.join(", ", KEYS.keySet()));
        }
        return k;
    }

    /**
     * The key a training monitor names: {@code val_KEY} is {@code KEY} measured on the validation
     * split, {@code train_loss} the training loss.
     *
     * @throws IllegalArgumentException for an unknown name, listing the valid monitors
     */
    public static MetricKey monitor(String name) {
        MetricKey k = null;
        if (TRAIN_LOSS.equals(name)) {
            k = KEYS.get(TRAIN_LOSS);
        } else if (name != null && name.startsWith(VALIDATION_PREFIX)) {
            String bare = name.substring(VALIDATION_PREFIX.length());
            k = bare.equalsIgnoreCase(TRAIN_LOSS) ? null : KEYS.get(bare);
        }
        if (k == null) {
            List<String> valid = new ArrayList<>();
            for (String key : KEYS.keySet()) {
                valid.add(key.equals(TRAIN_LOSS) ? key : VALIDATION_PREFIX + key);
            }
            throw new IllegalArgumentException("unknown metric '" + name + "'; valid: "
                    + String.join(", ", valid));
        }
        return k;
    }
}
