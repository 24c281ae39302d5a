package dev.freqmed.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freqmed.config.Configs;
import dev.freqmed.engine.ConvRouting;
import dev.freqmed.engine.CpuInfo;
import dev.freqmed.io.StateDicts;
import dev.freqmed.model.ModelRegistry;
import dev.freqmed.model.TaskAdapter;
import dev.freqmed.tensor.Devices;
import dev.freqmed.train.AdamOptimizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code freqmed bench}: throughput (training and inference images per second) and peak resident
 * memory of a network on random inputs, as JSON on standard output.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training and inference throughput and peak memory of a network; JSON on stdout.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--arch", required = true, description = "Architecture name (e.g. frcunet).")
    String arch;

    @Option(names = "--preset", defaultValue = "paper", description = "Config preset (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--size", defaultValue = "256", description = "Square input size (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--batch", defaultValue = "8", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "5", description = "Timed steps per phase after one warm-up step.")
    int steps;

    @Option(names = "--train", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Measure training steps (forward, backward, Adam update); --no-train for inference only.")
    boolean train;

    @Option(names = "--set", description = "Config override KEY=VALUE (repeatable), e.g. --set widthMultiplier=0.25.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Mixin
    DeviceOption device;

    @Option(names = "--conv-path", description = "Convolution path for this run: auto (the"
            + " engine self-test decides), engine, padded, im2col or native (oneDNN off);"
            + " default: FREQMED_CONV_PATH or auto.")
    String convPath;

    @Override
    public Integer call() throws Exception {
        if (size <= 0 || batch <= 0 || steps <= 0) {
            throw new IllegalArgumentException("--size, --batch and --steps must be positive");
        }
        ModelRegistry.Entry<?> entry = ModelRegistry.get(arch);
        Record base = entry.preset(preset);
        Map<String, Object> over = new LinkedHashMap<>(overrides);
        if (hasComponent(base, "inputSize")) {
            over.put("inputSize", size);
        }
        Record cfg = Configs.merge(base, over, "--set");
        Engine engine = Engine.getEngine("PyTorch");
        Device dev = device.parse(engine);
        if (convPath != null) {
            System.setProperty("freqmed.conv.path", convPath);
        }
        ConvRouting routing = EngineSetup.start(spec.commandLine().getErr());
        engine.setRandomSeed(1);
        Block net = entry.buildNetwork(cfg);
        TaskAdapter task = entry.buildTask(cfg);
        Shape in = new Shape(batch, task.inputShape().get(1), size, size);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("arch", arch);
        json.put("preset", preset);
        json.put("config", Configs.toMap(cfg));
        json.put("input", new long[] {batch, in.get(1), size, size});
        json.put("device", Devices.describe(dev));
        json.put("cpu", CpuInfo.read().modelName() + " (" + CpuInfo.read().vectorIsa() + ")");
        json.put("conv_mode", routing.mode());
        json.put("conv_routing", routing.summary());
        json.put("intra_op_threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
        json.put("interop_threads", ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
        json.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        try (NDManager manager = NDManager.newBaseManager(dev)) {
            net.initialize(manager, DataType.FLOAT32, new Shape(1, in.get(1), size, size));
            Map<String, Parameter> params = StateDicts.parameters(net);
            long count = 0;
            for (Parameter p : params.values()) {
                count += p.getArray().size();
            }
            json.put("parameters", count);
            ParameterStore ps = new ParameterStore(manager, false);
            double inferSeconds = 0;
            for (int i = 0; i <= steps; i++) {
                try (NDManager sub = manager.newSubManager()) {
                    NDArray x = sub.randomUniform(0, 255, in);
                    long t0 = System.nanoTime();
                    NDList out = net.forward(ps, new NDList(x), false);
                    out.head().toFloatArray();
                    if (i > 0) {
                        inferSeconds += (System.nanoTime() - t0) / 1e9;
                    }
                }
            }
            json.put("inference_images_per_second", batch * steps / inferSeconds);
            if (train) {
                for (Parameter p : params.values()) {
                    if (p.requiresGradient()) {
                        p.getArray().setRequiresGradient(true);
                    }
                }
                AdamOptimizer opt = new AdamOptimizer(manager.newSubManager(), 0.9, 0.999, 1e-8, 0, false);
                double trainSeconds = 0;
                for (int i = 0; i <= steps; i++) {
                    try (NDManager sub = manager.newSubManager()) {
                        NDArray x = sub.randomUniform(0, 255, in);
                        NDArray y = sub.randomUniform(0, 1, new Shape(batch, 1, size, size)).gt(0.5)
                                .toType(DataType.FLOAT32, false);
                        long t0 = System.nanoTime();
                        try (GradientCollector gc = engine.newGradientCollector()) {
                            NDList out = net.forward(ps, new NDList(x), true);
                            NDArray loss = task.loss(out, new NDList(y));
                            gc.backward(loss);
                        }
                        opt.update(params, 1e-4);
                        if (i > 0) {
                            trainSeconds += (System.nanoTime() - t0) / 1e9;
                        }
                    }
                }
                json.put("train_images_per_second", batch * steps / trainSeconds);
            }
        }
        json.put("peak_rss_mib", peakRssMib());
        PrintWriter out = spec.commandLine().getOut();
        out.println(Configs.json().writeValueAsString(json));
        out.flush();
        return 0;
    }

    private static boolean hasComponent(Record r, String name) {
        for (var c : r.getClass().getRecordComponents()) {
            if (c.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Peak resident set size of this process (VmHWM), or -1 where /proc is unavailable. */
    static double peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
