package dev.freqmed.infer;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import dev.freqmed.config.Configs;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.Manifest;
import dev.freqmed.io.ModelCheckpoint;
import dev.freqmed.io.StateDicts;
import dev.freqmed.model.ModelRegistry;
import dev.freqmed.model.TaskAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A network loaded from a FreqMed checkpoint folder, with its task adapter and manifest. Close it
 * to free the engine memory.
 */
public final class LoadedModel implements AutoCloseable {

    private final Path dir;
    private final Manifest manifest;
    private final Record config;
    private final Block network;
    private TaskAdapter task;
    private final NDManager manager;

    private LoadedModel(Path dir, Manifest manifest, Record config, Block network, TaskAdapter task,
            NDManager manager) {
        this.dir = dir;
        this.manifest = manifest;
        this.config = config;
        this.network = network;
        this.task = task;
        this.manager = manager;
    }

    /**
     * Resolves {@code path} to a checkpoint folder: the folder itself if it holds a
     * {@code manifest.json}, else its {@code model/} sub-folder (a training run folder).
     */
    public static Path resolve(Path path) throws IOException {
        if (Files.isRegularFile(path.resolve(ModelCheckpoint.MANIFEST))) {
            return path;
        }
        Path sub = path.resolve("model");
        if (Files.isRegularFile(sub.resolve(ModelCheckpoint.MANIFEST))) {
            return sub;
        }
        if (!Files.exists(path)) {
            throw new java.nio.file.NoSuchFileException(path.toString(), null, "model folder does not exist");
        }
        throw new IOException(path + ": not a FreqMed checkpoint (no manifest.json here or in model/)");
    }

    /**
     * Loads a checkpoint folder (or a run folder holding {@code model/}).
     *
     * @param expectedArch when not null, the architecture the caller needs
     * @throws IOException naming the folder when it is not a checkpoint, is of another
     *                     architecture, or its weights do not fit the network (the message holds
     *                     the mismatch table)
     */
    public static LoadedModel load(Path path, Device device, String expectedArch) throws IOException {
        return load(path, device, expectedArch, Map.of());
    }

    /**
     * Loads a checkpoint folder with some of its network settings replaced for this use only
     * (e.g. the post-processing's thresholds; {@code predict --set}). Settings that change
     * parameter shapes make the weights not fit, which is reported as such.
     *
     * @param overrides nested keys and values over the manifest's {@code config}
     *                  ({@link Configs#assignments})
     * @throws IOException as {@link #load(Path, Device, String)}, and naming the key when an
     *                     override is not a setting of the architecture or has a bad value
     */
    public static LoadedModel load(Path path, Device device, String expectedArch,
            Map<String, Object> overrides) throws IOException {
        Path dir = resolve(path);
        Manifest m = ModelCheckpoint.readManifest(dir);
        if (expectedArch != null && !expectedArch.equals(m.architecture())) {
            throw new IOException(dir + ": checkpoint is of architecture '" + m.architecture() + "', expected '"
                    + expectedArch + "'");
        }
        ModelRegistry.Entry<?> entry;
        try {
            entry = ModelRegistry.get(m.architecture());
        } catch (IllegalArgumentException e) {
            throw new IOException(dir + ": " + e.getMessage(), e);
        }
        Record config;
        try {
            Map<String, Object> settings = new LinkedHashMap<>(m.config());
            Configs.overlay(settings, overrides);
            config = Configs.convert(settings, entry.configClass(), overrides.isEmpty()
                    ? dir + "/manifest.json: config" : dir + "/manifest.json: config with " + overrides);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        Block net = entry.buildNetwork(config);
        TaskAdapter task = entry.buildTask(config);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            net.initialize(manager, DataType.FLOAT32, task.inputShape());
            try {
                StateDicts.load(net, ModelCheckpoint.readWeights(dir), LoadOptions.strictDefaults());
            } catch (IllegalArgumentException e) {
                throw new IOException(dir + ": weights do not fit the " + m.architecture() + " network:\n"
                        + e.getMessage(), e);
            }
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
        return new LoadedModel(dir, m, config, net, task, manager);
    }

    /** The checkpoint folder. */
    public Path dir() {
        return dir;
    }

    /** The manifest. */
    public Manifest manifest() {
        return manifest;
    }

    /** The network config record. */
    public Record config() {
        return config;
    }

    /** The network, initialised and loaded. */
    public Block network() {
        return network;
    }

    /** The task adapter. */
    public TaskAdapter task() {
        return task;
    }

    /**
     * Predicts at another square input side from now on ({@code predict --size N}).
     *
     * @throws IllegalArgumentException when the model does not support it
     */
    public void setInferenceSize(int side) {
        task = task.withInferenceSize(side);
    }

    /** The engine manager holding the parameters. */
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
