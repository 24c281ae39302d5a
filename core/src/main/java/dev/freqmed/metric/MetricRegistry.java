package dev.freqmed.metric;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The metrics of each task family, by lower-case name: {@code binary} (FRCU-Net),
 * {@code sod} (FSANet / dichotomous segmentation), {@code instance} and {@code nuclei-type}
 * (FPNuNet / HoVer-Net statistics), {@code fewshot} (FAF-Net), {@code fid} and {@code kid}
 * (Diffusion-FFPE). Each entry creates a fresh metric with the reference's default settings.
 */
public final class MetricRegistry {

    private static final Map<String, Supplier<Metric<?, ?>>> FAMILIES = new LinkedHashMap<>();

    static {
        register("binary", BinarySegmentationMetrics::new);
        register("sod", SodMetrics::new);
        register("instance", InstanceSegmentationMetrics::new);
        register("nuclei-type", NucleusTypeMetrics::new);
        register("fewshot", VolumeDiceScore::new);
        register("fid", FrechetInceptionDistance::new);
        register("kid", () -> new KernelInceptionDistance(100, 1000, 0));
    }

    private MetricRegistry() {
    }

    private static void register(String family, Supplier<Metric<?, ?>> factory) {
        FAMILIES.put(family, factory);
    }

    /** The registered family names, in a fixed order. */
    public static Set<String> families() {
        return Collections.unmodifiableSet(FAMILIES.keySet());
    }

    /**
     * A new metric of a family with default settings.
     *
     * @throws IllegalArgumentException for an unknown family, listing the valid ones
     */
    public static Metric<?, ?> create(String family) {
        Supplier<Metric<?, ?>> f = FAMILIES.get(family);
        if (f == null) {
            throw new IllegalArgumentException("unknown metric family '" + family
                    + "'; valid families: " + String.join(", ", FAMILIES.keySet()));
        }
        return f.get();
    }
}
