package dev.freqmed.cli;

import ai.djl.Device;
import dev.freqmed.tensor.Devices;
import dev.freqmed.train.TrainConfig;
import dev.freqmed.train.TrainingRun;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code freqmed train}: trains a network from a YAML config. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a network from a YAML config (see configs/). Writes model/, checkpoint/, log.csv, curves.png.")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, description = "YAML config file.")
    Path config;

    @Option(names = "--resume", description = "Continue from OUTPUT/checkpoint (same optimizer state, epoch, schedule and data order).")
    boolean resume;

    @Mixin
    DeviceOption device;

    @Option(names = "--output", description = "Run folder (overrides the config's 'output').")
    Path output;

    @Option(names = "--epochs", description = "Override train.epochs (with --resume: train a finished run longer; step and plateau schedules).")
    Integer epochs;

    @Option(names = "--overwrite", description = "Train into an existing run folder, replacing its results.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        TrainConfig cfg = TrainConfig.read(config);
        if (output != null) {
            cfg = cfg.withOutput(output);
        }
        if (epochs != null) {
            TrainConfig.TrainSettings t = cfg.train();
            cfg = cfg.withTrain(dev.freqmed.config.Configs.merge(t, java.util.Map.of("epochs", epochs), "--epochs"));
        }
        Path out0 = cfg.output();
        if (!resume && !overwrite && dev.freqmed.io.AtomicFiles.hasContent(out0)) {
            throw new IllegalArgumentException(out0 + ": run folder already exists; use --resume to continue it, "
                    + "--overwrite to replace it, or --output for another folder");
        }
        Device dev = device.parse();
        EngineSetup.start(spec.commandLine().getErr());
        out.println("freqmed train: " + cfg.arch() + " (" + cfg.preset() + ") on " + cfg.dataRoot() + ", device "
                + Devices.describe(dev) + (cfg.train().threads() > 0 && !dev.isGpu()
                        ? ", " + cfg.train().threads() + " engine thread"
                                + (cfg.train().threads() == 1 ? "" : "s") + " (train.threads)"
                        : "") + ", output " + out0);
        out.flush();
        TrainingRun run = new TrainingRun(cfg, dev, new ConsoleProgress(out));
        PrintWriter err = spec.commandLine().getErr();
        TrainingRun.Result r;
        try (StopOnSignal stop = new StopOnSignal("freqmed train", err, run::requestStop)) {
            r = run.run(resume);
        } catch (TrainingRun.Stopped e) {
            out.flush();
            err.println("freqmed train: " + e.getMessage());
            return 130;
        }
        TrainConfig.TrainSettings ts = cfg.train();
        boolean averaged = ts.average() > 0 && r.modelEpoch() >= ts.firstAveragedEpoch();
        String weights = averaged
                ? "mean of epochs " + ts.firstAveragedEpoch() + "-" + r.modelEpoch()
                : "epoch " + r.modelEpoch();
        out.println(String.format(Locale.ROOT, "best %s %.4f at epoch %d; model (%s): %s%s",
                ts.monitor(), r.bestValue(), r.bestEpoch(), weights, r.modelDir(),
                averaged ? "; epoch " + r.modelEpoch() + "'s own weights: "
                        + r.modelDir().resolveSibling(TrainingRun.MODEL_LAST_DIR) : ""));
        return 0;
    }
}
