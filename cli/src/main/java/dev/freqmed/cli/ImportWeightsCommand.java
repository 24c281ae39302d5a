package dev.freqmed.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import dev.freqmed.config.Configs;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.LoadReport;
import dev.freqmed.io.Manifest;
import dev.freqmed.io.ModelCheckpoint;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.weights.BaseModelRelease;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.WeightFiles;
import dev.freqmed.io.weights.WeightImporter;
import dev.freqmed.model.ModelRegistry;
import dev.freqmed.model.TaskAdapter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code freqmed import-weights}: released weights into a FreqMed checkpoint folder. */
@Command(name = "import-weights", mixinStandardHelpOptions = true,
        description = "Load a released weight file (.pth/.ckpt/.bin, .safetensors, Keras .h5) into"
                + " a FreqMed network by parameter name and save a checkpoint folder that"
                + " 'predict' accepts. Nothing in the file is executed.")
final class ImportWeightsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--arch", required = true, description = "Architecture name (see 'train').")
    String arch;

    @Option(names = "--from", required = true, description = "The weight file.")
    Path from;

    @Option(names = "--out", required = true, description = "Checkpoint folder to write.")
    Path out;

    @Option(names = "--base", paramLabel = "DIR",
            description = "Base-model folder for architectures released as a public base model"
                    + " plus trained parts (diffusion-ffpe: the SD-Turbo diffusers folder; --from"
                    + " is then model.pkl).")
    Path base;

    @Option(names = "--add", paramLabel = "FILE",
            description = "A further weight file whose keys are the network's own, loaded on top"
                    + " (repeatable), e.g. diffusion-ffpe's prompt embeddings text_a2b/text_b2a.")
    List<Path> add = new ArrayList<>();

    @Option(names = "--preset", defaultValue = "paper",
            description = "Network config preset (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Config override (repeatable), e.g. --set widthMultiplier=0.25.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--allow-missing", paramLabel = "PATTERN",
            description = "Network keys that may be absent (glob, '*' matches anything;"
                    + " repeatable), e.g. 'decoder.*' to import a backbone only.")
    List<String> allowMissing = new ArrayList<>();

    @Option(names = "--ignore-unexpected", paramLabel = "PATTERN",
            description = "File keys that may be left unused (glob; repeatable).")
    List<String> ignoreUnexpected = new ArrayList<>();

    @Option(names = "--allow-unknown-objects",
            description = "Keep Python objects of unknown classes (e.g. hyper-parameter objects of"
                    + " a training checkpoint) as inert data instead of refusing the file.")
    boolean allowUnknown;

    @Option(names = "--overwrite", description = "Replace an existing checkpoint folder.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (Files.exists(out)) {
            boolean isCkpt = Files.isRegularFile(out.resolve(ModelCheckpoint.MANIFEST));
            if (!isCkpt && dev.freqmed.io.AtomicFiles.hasContent(out)) {
                throw new IllegalArgumentException(out + ": exists and is not a FreqMed checkpoint;"
                        + " choose another --out");
            }
            if (isCkpt && !overwrite) {
                throw new IllegalArgumentException(out + ": checkpoint already exists; use"
                        + " --overwrite to replace it");
            }
        }
        ModelRegistry.Entry<?> entry = ModelRegistry.get(arch);
        Record config = Configs.merge(entry.preset(preset), new LinkedHashMap<>(overrides),
                "--set");
        Checkpoint source = WeightFiles.read(from, allowUnknown);
        LoadOptions options = LoadOptions.strictDefaults();
        for (String p : allowMissing) {
            options = options.withAllowMissing(p);
        }
        for (String p : ignoreUnexpected) {
            options = options.withIgnoreUnexpected(p);
        }
        Block net = entry.buildNetwork(config);
        TaskAdapter task = entry.buildTask(config);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        if (net instanceof BaseModelRelease release) {
            if (base == null) {
                throw new IllegalArgumentException(arch + " is released as a base model plus"
                        + " trained parts: give --base, " + release.baseDescription());
            }
            tensors.putAll(release.toNetworkKeys(base, source));
            for (String p : release.notReleased()) {
                options = options.withAllowMissing(p);
            }
        } else if (base != null) {
            throw new IllegalArgumentException("--base: " + arch + " is imported from one file;"
                    + " leave --base out");
        } else {
            tensors.putAll(WeightImporter.networkTensors(net, source));
        }
        for (Path a : add) {
            tensors.putAll(WeightFiles.read(a).stateDict());
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, task.inputShape());
            LoadReport report;
            try {
                report = StateDicts.load(net, tensors, options);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(from + ": " + e.getMessage(), e);
            }
            Manifest m = Manifest.of(arch, Configs.toMap(config))
                    .withTrainingData("imported from " + from.getFileName())
                    .withExtra("importedFrom", from.getFileName().toString())
                    .withExtra("sourceFormat", source.format())
                    .withExtra("preset", preset)
                    .withExtra("base", base == null ? null : base.getFileName().toString())
                    .withExtra("notInRelease", net instanceof BaseModelRelease r
                            ? r.notReleased() : List.of())
                    .withExtra("added", add.stream().map(a -> a.getFileName().toString())
                            .toList())
                    .withExtra("overrides", new LinkedHashMap<String, Object>(overrides))
                    .withExtra("missingKeys", report.missing())
                    .withExtra("ignoredKeys", report.ignored());
            ModelCheckpoint.save(out, net, m);
            o.printf(Locale.ROOT, "%s: %s%n", from, report.table().replace("\n", "\n  "));
            o.printf(Locale.ROOT, "%s: %s checkpoint written (%d tensors loaded)%n", out, arch,
                    report.loaded().size());
        }
        o.flush();
        return 0;
    }
}
