package dev.freqmed.model;

import ai.djl.nn.Block;
import dev.freqmed.model.frcunet.FrcuNet;
import dev.freqmed.model.frcunet.FrcuNetConfig;
import dev.freqmed.model.frcunet.FrcuNetTask;
import dev.freqmed.model.fpnunet.FpnuNet;
import dev.freqmed.model.fpnunet.FpnuNetConfig;
import dev.freqmed.model.fpnunet.FpnuNetTask;
import dev.freqmed.model.diffusionffpe.DiffusionFfpe;
import dev.freqmed.model.diffusionffpe.DiffusionFfpeConfig;
import dev.freqmed.model.diffusionffpe.DiffusionFfpeTask;
import dev.freqmed.model.fafnet.FafNet;
import dev.freqmed.model.fafnet.FafNetConfig;
import dev.freqmed.model.fafnet.FafNetTask;
import dev.freqmed.model.fsanet.FsaNet;
import dev.freqmed.model.fsanet.FsaNetConfig;
import dev.freqmed.model.fsanet.FsaNetTask;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The systems FreqMed knows, by lower-case name. Each entry gives the config record class, its
 * presets ({@code paper}, {@code tiny}, ...), a network factory and a task-adapter factory.
 */
public final class ModelRegistry {

    private static final Map<String, Entry<?>> ENTRIES = new LinkedHashMap<>();

    static {
        register("frcunet", FrcuNetConfig.class,
                Map.of("paper", FrcuNetConfig::paper, "tiny", FrcuNetConfig::tiny, "cpu", FrcuNetConfig::cpu),
                FrcuNet::new, FrcuNetTask::new);
        register("fafnet", FafNetConfig.class,
                Map.of("paper", FafNetConfig::paper, "tiny", FafNetConfig::tiny, "cpu", FafNetConfig::cpu),
                FafNet::new, FafNetTask::new);
        register("fsanet", FsaNetConfig.class,
                Map.of("paper", FsaNetConfig::paper, "tiny", FsaNetConfig::tiny, "cpu", FsaNetConfig::cpu),
                FsaNet::new, FsaNetTask::new);
        register("fpnunet", FpnuNetConfig.class,
                Map.of("paper", FpnuNetConfig::paper, "tiny", FpnuNetConfig::tiny, "cpu", FpnuNetConfig::cpu),
                FpnuNet::new, FpnuNetTask::new);
        register("diffusion-ffpe", DiffusionFfpeConfig.class,
                Map.of("paper", DiffusionFfpeConfig::paper, "tiny", DiffusionFfpeConfig::tiny),
                DiffusionFfpe::new, DiffusionFfpeTask::new);
    }

    private ModelRegistry() {
    }

    /**
     * A registered system.
     *
     * @param name        lower-case architecture name, e.g. {@code frcunet}
     * @param configClass the config record
     * @param presets     named configs; must contain {@code paper} and {@code tiny}
     * @param network     builds an uninitialised network from a config
     * @param task        builds the task adapter from a config
     * @param <C>         the config type
     */
    public record Entry<C extends Record>(
            String name,
            Class<C> configClass,
            Map<String, Supplier<C>> presets,
            Function<C, Block> network,
            Function<C, TaskAdapter> task) {

        /** Builds the network for a config of any type, checking it is this entry's type. */
        public Block buildNetwork(Record config) {
            return network.apply(configClass.cast(config));
        }

        /** Builds the task adapter for a config of any type, checking it is this entry's type. */
        public TaskAdapter buildTask(Record config) {
            return task.apply(configClass.cast(config));
        }

        /** The preset named {@code preset}; an unknown name lists the valid ones. */
        public C preset(String preset) {
            Supplier<C> s = presets.get(preset);
            if (s == null) {
                throw new IllegalArgumentException("unknown preset '" + preset + "' for " + name
                        + "; valid presets: " + String.join(", ", new TreeMap<>(presets).keySet()));
            }
            return s.get();
        }
    }

    /** Registers a system; called from the static initialiser only. */
    static <C extends Record> void register(
            String name,
            Class<C> configClass,
            Map<String, Supplier<C>> presets,
            Function<C, Block> network,
            Function<C, TaskAdapter> task) {
        ENTRIES.put(name, new Entry<>(name, configClass, presets, network, task));
    }

    /** The entry for {@code name}; an unknown name lists the valid ones. */
    public static Entry<?> get(String name) {
        Entry<?> e = ENTRIES.get(name);
        if (e == null) {
            throw new IllegalArgumentException("unknown architecture '" + name + "'; valid: " + String.join(", ", names()));
        }
        return e;
    }

    /** The registered names, in registration order. */
    public static java.util.Set<String> names() {
        return Collections.unmodifiableSet(ENTRIES.keySet());
    }
}
