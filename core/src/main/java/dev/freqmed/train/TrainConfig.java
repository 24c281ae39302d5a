package dev.freqmed.train;

import dev.freqmed.config.Configs;
import dev.freqmed.config.FileSettings;
import dev.freqmed.data.transform.Augment;
import dev.freqmed.metric.Direction;
import dev.freqmed.metric.MetricRegistry;
import dev.freqmed.model.ModelRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A training run's configuration, read from YAML:
 *
 * <pre>
 * model:            # arch + preset, then any field of the system's config record
 *   arch: frcunet
 *   preset: cpu
 *   inputSize: 128
 * data:
 *   root: testdata/ph2      # relative to the working folder, else to the config file
 *   augmentation: standard  # none | standard | a map of Augment.Settings fields
 * train:
 *   epochs: 30
 *   batchSize: 8
 * output: runs/frcunet-ph2
 * </pre>
 *
 * @param source   the config file (for messages and relative paths)
 * @param arch     the registry name of the system
 * @param preset   the preset the model config starts from
 * @param model    the resolved model config record
 * @param data     data settings
 * @param train    optimisation settings
 * @param output   run folder
 * @param init     the {@code model.init} files in loading order (empty = none); the key takes
 *                 one file name, one mapping or a list of either
 */
public record TrainConfig(Path source, String arch, String preset, Record model, DataSettings data,
        TrainSettings train, Path output, List<InitSettings> init) {

    /** Copies the list. */
    public TrainConfig {
        init = init == null ? List.of() : List.copyOf(init);
    }

    /**
     * One file of {@code model.init}: the weights training starts from (any file
     * {@code import-weights} reads), loaded by key after the network is built; the mismatch
     * table is printed and the file's SHA-256 recorded in the checkpoint manifest. Several files
     * load one after the other, each with its own settings (e.g. two pretrained encoders).
     *
     * @param from             the weight file, relative to the working folder, else to the config
     * @param prefix           put before every key the file gives (after the network's own name
     *                         table), to load a bare sub-network's file under its place in the
     *                         network; "" = none
     * @param allowMissing     globs of network keys the file may lack
     * @param ignoreUnexpected globs of file keys the network does not have
     */
    public record InitSettings(String from, String prefix, List<String> allowMissing,
            List<String> ignoreUnexpected) {

        /** Validates. */
        public InitSettings {
            if (from == null || from.isBlank()) {
                throw new IllegalArgumentException("model.init.from (a weight file) is required");
            }
            prefix = prefix == null ? "" : prefix;
            allowMissing = allowMissing == null ? List.of() : List.copyOf(allowMissing);
            ignoreUnexpected = ignoreUnexpected == null ? List.of() : List.copyOf(ignoreUnexpected);
        }
    }

    private static final Set<String> TOP_KEYS = Set.of("model", "data", "train", "output");

    /**
     * Data settings.
     *
     * @param root         data-set folder
     * @param trainSplit   split used for training
     * @param valSplit     split used for validation every epoch
     * @param testSplit    split evaluated at the end ("" to skip)
     * @param workers      decoding threads
     * @param augmentation augmentation settings
     */
    public record DataSettings(String root, String trainSplit, String valSplit, String testSplit, int workers,
            Augment.Settings augmentation) {

        /** Validates. */
        public DataSettings {
            if (root == null || root.isBlank()) {
                throw new IllegalArgumentException("data.root is required");
            }
            if (workers < 1) {
                throw new IllegalArgumentException("data.workers must be >= 1, found " + workers);
            }
        }
    }

    /**
     * Optimisation settings (FRCU-Net reference values as defaults: Adam lr 1e-4, Keras epsilon,
     * plateau on val_loss factor 0.1 patience 7 min_delta 1e-4, batch 12, 100 epochs).
     *
     * @param epochs           maximum epochs
     * @param batchSize        samples per step
     * @param optimizer        {@code adam} or {@code adamw}
     * @param learningRate     initial learning rate
     * @param beta1            Adam beta1
     * @param beta2            Adam beta2
     * @param epsilon          Adam epsilon
     * @param weightDecay      weight decay (L2 for adam, decoupled for adamw)
     * @param plateauMonitor   metric watched by the schedule ({@code val_loss}, {@code val_dice}, ...;
     *                         a key registered in {@link MetricRegistry}, which gives its direction)
     * @param plateauFactor    learning-rate multiplier on a plateau
     * @param plateauPatience  epochs without improvement before reducing
     * @param plateauMinDelta  smallest improvement
     * @param minLearningRate  lower bound of the learning rate
     * @param monitor          metric that selects the best checkpoint (a registered key, as above)
     * @param earlyStopping    epochs in which neither {@code monitor} nor the validation loss
     *                         improved before stopping (0 = never)
     * @param seed             seed of initialisation, data order, augmentation and dropout
     * @param gradientClamp    element-wise gradient clamp before each update (0 = none; FSANet 0.5)
     * @param schedule         a {@link Schedules} name: {@code plateau} (reduce on plateau),
     *                         {@code poly} (lr · (1 − epoch/epochs)^polyPower, set once per
     *                         epoch from epoch 1), {@code cosine} or {@code step}
     * @param polyPower        exponent of the poly schedule
     * @param groups           parameter groups (name, glob patterns over parameter keys, own
     *                         learningRate / weightDecay, or frozen); empty = one group
     * @param keep             which weights {@code OUTPUT/model} holds: {@code best} (the epoch
     *                         with the best {@code monitor}) or {@code last} (the final epoch,
     *                         for a schedule that decays to zero, where the last weights are the
     *                         settled ones and picking the best of a noisy validation set adds
     *                         variance)
     * @param warmupEpochs     epochs of linear learning-rate warm-up before the schedule
     * @param stepEpochs       epochs between reductions of the {@code step} schedule
     * @param threads          engine threads of the run's tensor operations (0 = the engine's
     *                         default, one per core); small networks whose operations take
     *                         microseconds train faster on one thread, because handing every
     *                         operation to a second thread costs more than it saves
     * @param average          epochs whose final weights {@code OUTPUT/model} averages (0 = off):
     *                         with {@code K > 0} it holds the element-wise mean of the weights and
     *                         BatchNorm statistics at the end of each of the last {@code K}
     *                         epochs (stochastic weight averaging), which damps the epoch-to-epoch
     *                         swing of a schedule whose learning rate stays well above zero;
     *                         requires {@code keep: last}
     */
    public record TrainSettings(int epochs, int batchSize, String optimizer, double learningRate, double beta1,
            double beta2, double epsilon, double weightDecay, String plateauMonitor, double plateauFactor,
            int plateauPatience, double plateauMinDelta, double minLearningRate, String monitor, int earlyStopping,
            long seed, double gradientClamp, String schedule, double polyPower,
            List<ParameterGroups.Group> groups, String keep, int warmupEpochs, int stepEpochs,
            int threads, int average) {

        /** Validates and names the offending key. */
        public TrainSettings {
            groups = groups == null ? List.of() : List.copyOf(groups);
            keep = keep == null ? "best" : keep;
            if (!List.of("best", "last").contains(keep)) {
                throw new IllegalArgumentException("train.keep must be best or last, found '"
                        + keep + "'");
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("train.epochs must be >= 1, found " + epochs);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("train.batchSize must be >= 1, found " + batchSize);
            }
            Optimizers.check(optimizer);
            if (gradientClamp < 0) {
                throw new IllegalArgumentException("train.gradientClamp must be >= 0, found " + gradientClamp);
            }
            Schedules.check(schedule);
            if (warmupEpochs < 0 || warmupEpochs >= epochs) {
                throw new IllegalArgumentException("train.warmupEpochs must be in [0, epochs),"
                        + " found " + warmupEpochs);
            }
            if (stepEpochs < 1) {
                throw new IllegalArgumentException("train.stepEpochs must be >= 1, found "
                        + stepEpochs);
            }
            if (average < 0 || average > epochs) {
                throw new IllegalArgumentException("train.average must be in [0, epochs] (0 = off),"
                        + " found " + average);
            }
            if (average > 0 && !"last".equals(keep)) {
                throw new IllegalArgumentException("train.average averages the last epochs' weights"
                        + " and needs train.keep: last, found keep: " + keep);
            }
            if (threads < 0) {
                throw new IllegalArgumentException("train.threads must be >= 0 (0 = one per"
                        + " core), found " + threads);
            }
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("train.learningRate must be > 0, found " + learningRate);
            }
            if (earlyStopping < 0) {
                throw new IllegalArgumentException("train.earlyStopping must be >= 0, found " + earlyStopping);
            }
            checkMonitor("train.monitor", monitor);
            checkMonitor("train.plateauMonitor", plateauMonitor);
        }

        /** A monitor must be a registered metric key, so that its direction is known. */
        private static void checkMonitor(String key, String name) {
            try {
                MetricRegistry.monitor(name);
            } catch (IllegalArgumentException e) {
                // No cause: config errors report the innermost message, which must name the key.
                throw new IllegalArgumentException(key + ": " + e.getMessage());
            }
        }

        /** The reference FRCU-Net recipe. */
        public static TrainSettings defaults() {
            return new TrainSettings(100, 12, "adam", 1e-4, 0.9, 0.999, 1e-7, 0, "val_loss", 0.1, 7, 1e-4, 0,
                    "val_dice", 0, 42, 0, "plateau", 0.9, List.of(), "best", 0, 30, 0, 0);
        }

        /** The learning rate of {@code epoch} (1-based) under the poly schedule. */
        public double polyLearningRate(int epoch) {
            return learningRate * Math.pow(Math.max(0, 1 - (double) epoch / epochs), polyPower);
        }

        /** The first epoch whose weights the averaged model holds (beyond {@code epochs} when off). */
        public int firstAveragedEpoch() {
            return epochs - average + 1;
        }

        /** The direction of {@code monitor} ({@link MetricRegistry#monitor}). */
        public Direction monitorDirection() {
            return MetricRegistry.monitor(monitor).direction();
        }

        /** The direction of {@code plateauMonitor} ({@link MetricRegistry#monitor}). */
        public Direction plateauDirection() {
            return MetricRegistry.monitor(plateauMonitor).direction();
        }
    }

    /**
     * Reads and validates a config file.
     *
     * @throws IOException              naming the file when it cannot be read or parsed
     * @throws IllegalArgumentException naming the file and key for unknown keys, wrong types or
     *                                  invalid values
     */
    @SuppressWarnings("unchecked")
    public static TrainConfig read(Path file) throws IOException {
        Map<String, Object> top = Configs.readYamlMap(file);
        String src = file.toString();
        for (String k : top.keySet()) {
            if (!TOP_KEYS.contains(k)) {
                throw new IllegalArgumentException(src + ": unknown key '" + k + "'; valid keys: data, model, output, train");
            }
        }
        Object modelObj = top.get("model");
        if (!(modelObj instanceof Map)) {
            throw new IllegalArgumentException(src + ": 'model' must be a mapping with at least 'arch'");
        }
        Map<String, Object> model = new LinkedHashMap<>((Map<String, Object>) modelObj);
        Object arch = model.remove("arch");
        if (arch == null) {
            throw new IllegalArgumentException(src + ": model.arch is required; valid: " + String.join(", ", ModelRegistry.names()));
        }
        List<InitSettings> init = initSettings(model.remove("init"), src);
        Object presetObj = model.remove("preset");
        String preset = presetObj == null ? "paper" : presetObj.toString();
        ModelRegistry.Entry<?> entry = ModelRegistry.get(arch.toString());
        Record base = entry.preset(preset);
        Record modelConfig = wrap(src, () -> Configs.merge(base, model, src + ": model"));
        if (modelConfig instanceof FileSettings<?> named) {
            modelConfig = named.withFiles(p -> resolve(file, p).toString());
            for (String f : ((FileSettings<?>) modelConfig).files()) {
                if (!Files.isRegularFile(Path.of(f))) {
                    throw new IllegalArgumentException(src + ": model file not found: " + f
                            + " (paths are relative to the working folder or to the config file)");
                }
            }
        }

        Map<String, Object> dataMap = section(top, "data", src);
        Object aug = dataMap.remove("augmentation");
        Augment.Settings augmentation = augmentation(aug, src);
        Map<String, Object> dataDefaults = new LinkedHashMap<>();
        dataDefaults.put("root", null);
        dataDefaults.put("trainSplit", "train");
        dataDefaults.put("valSplit", "val");
        dataDefaults.put("testSplit", "test");
        dataDefaults.put("workers", 2);
        dataDefaults.put("augmentation", Configs.toMap(augmentation));
        for (String k : dataMap.keySet()) {
            if (!dataDefaults.containsKey(k)) {
                throw new IllegalArgumentException(src + ": unknown key 'data." + k + "'; valid keys: "
                        + String.join(", ", new java.util.TreeSet<>(dataDefaults.keySet())));
            }
        }
        dataDefaults.putAll(dataMap);
        DataSettings data = wrap(src, () -> Configs.convert(dataDefaults, DataSettings.class, src + ": data"));

        Map<String, Object> trainMap = section(top, "train", src);
        TrainSettings train = wrap(src, () -> Configs.merge(TrainSettings.defaults(), trainMap,
                src + ": train"));

        Object out = top.get("output");
        Path output = Path.of(out == null ? "runs/" + arch : out.toString());
        return new TrainConfig(file, arch.toString(), preset, modelConfig, data, train, output,
                init);
    }

    /** {@code model.init}: absent, a file name, a mapping, or a list of file names / mappings. */
    @SuppressWarnings("unchecked")
    private static List<InitSettings> initSettings(Object initObj, String src) {
        if (initObj == null) {
            return List.of();
        }
        List<?> items = initObj instanceof List<?> l ? l : List.of(initObj);
        if (items.isEmpty()) {
            throw new IllegalArgumentException(src + ": model.init is an empty list; give at"
                    + " least one file or leave the key out");
        }
        List<InitSettings> out = new java.util.ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            String where = src + ": model.init" + (initObj instanceof List ? "[" + i + "]" : "");
            if (item == null || item instanceof List) {
                throw new IllegalArgumentException(where + " must be a file name or a mapping"
                        + " with 'from', found " + item);
            }
            out.add(wrap(src, () -> Configs.convert(item instanceof Map
                    ? (Map<String, Object>) item : Map.of("from", item), InitSettings.class,
                    where)));
        }
        return out;
    }

    private static <T> T wrap(String src, java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            throw new IllegalArgumentException(msg.startsWith(src) ? msg : src + ": " + msg, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> top, String key, String src) {
        Object o = top.get(key);
        if (o == null) {
            if ("data".equals(key)) {
                throw new IllegalArgumentException(src + ": 'data' with at least 'root' is required");
            }
            return new LinkedHashMap<>();
        }
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException(src + ": '" + key + "' must be a mapping, found " + o);
        }
        return new LinkedHashMap<>((Map<String, Object>) o);
    }

    @SuppressWarnings("unchecked")
    private static Augment.Settings augmentation(Object aug, String src) {
        if (aug == null || "standard".equals(aug)) {
            return Augment.Settings.standard();
        }
        if ("none".equals(aug) || Boolean.FALSE.equals(aug)) {
            return Augment.Settings.none();
        }
        if (aug instanceof Map) {
            return wrap(src, () -> Configs.merge(Augment.Settings.standard(), (Map<String, Object>) aug,
                    src + ": data.augmentation"));
        }
        throw new IllegalArgumentException(src + ": data.augmentation must be none, standard or a mapping, found '" + aug + "'");
    }

    /** The data root, resolved against the working folder, else against the config file's folder. */
    public Path dataRoot() {
        return resolve(data.root());
    }

    /** A path from the config, against the working folder, else against the config's folder. */
    private Path resolve(String path) {
        return resolve(source, path);
    }

    private static Path resolve(Path source, String path) {
        Path p = Path.of(path);
        if (p.isAbsolute() || Files.exists(p) || source == null || source.toAbsolutePath().getParent() == null) {
            return p;
        }
        Path rel = source.toAbsolutePath().getParent().resolve(p);
        return Files.exists(rel) ? rel : p;
    }

    /** A {@code model.init} file, resolved like {@link #dataRoot()}. */
    public Path initFile(InitSettings file) {
        return resolve(file.from());
    }

    /** A copy with another output folder. */
    public TrainConfig withOutput(Path out) {
        return new TrainConfig(source, arch, preset, model, data, train, out, init);
    }

    /** A copy with other train settings. */
    public TrainConfig withTrain(TrainSettings t) {
        return new TrainConfig(source, arch, preset, model, data, t, output, init);
    }

    /** The config as a YAML-ready map (what is written next to the run). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> model1 = new LinkedHashMap<>();
        model1.put("arch", arch);
        model1.put("preset", preset);
        model1.putAll(Configs.toMap(model));
        if (init.size() == 1) {
            model1.put("init", Configs.toMap(init.get(0)));
        } else if (!init.isEmpty()) {
            model1.put("init", init.stream().map(Configs::toMap).toList());
        }
        m.put("model", model1);
        m.put("data", Configs.toMap(data));
        m.put("train", Configs.toMap(train));
        m.put("output", output.toString());
        return m;
    }
}
