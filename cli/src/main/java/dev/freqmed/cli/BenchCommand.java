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
import ai.djl.training.ParameterStore;
import dev.freqmed.config.Configs;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import dev.freqmed.data.UnpairedFolderReader;
import dev.freqmed.engine.ConvRouting;
import dev.freqmed.engine.CpuInfo;
import dev.freqmed.engine.FusedAttention;
import dev.freqmed.engine.NativeGroupNorm;
import dev.freqmed.engine.HostMemory;
import dev.freqmed.io.StateDicts;
import dev.freqmed.model.ModelRegistry;
import dev.freqmed.model.TaskAdapter;
import dev.freqmed.tensor.Devices;
import dev.freqmed.train.AdamOptimizer;
import dev.freqmed.train.StepContext;
import dev.freqmed.train.TrainStep;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
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

    @Option(names = "--threads", description = "Engine threads for this run (default: one per"
            + " core; train.threads in a config does the same for training).")
    Integer threads;

    @Option(names = "--set", description = "Config override KEY=VALUE (repeatable), e.g. --set widthMultiplier=0.25.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Mixin
    DeviceOption device;

    @Option(names = "--conv-path", description = "Convolution path for this run: auto (the"
            + " engine self-test decides), engine, padded, im2col or native (oneDNN off);"
            + " default: FREQMED_CONV_PATH or auto.")
    String convPath;

    @Option(names = "--attention", description = "Attention kernel for this run: auto (the engine"
            + " self-test decides), fused or explicit; default: FREQMED_ATTENTION or auto.")
    String attention;

    @Override
    public Integer call() throws Exception {
        if (size <= 0 || batch <= 0 || steps <= 0) {
            throw new IllegalArgumentException("--size, --batch and --steps must be positive");
        }
        ModelRegistry.Entry<?> entry = ModelRegistry.get(arch);
        Record base = entry.preset(preset);
        Map<String, Object> over = new LinkedHashMap<>(overrides);
        // The benchmarked side is the network's training and inference side.
        for (String key : new String[] {"inputSize", "trainSize", "testSize"}) {
            if (hasComponent(base, key) && !over.containsKey(key)) {
                over.put(key, size);
            }
        }
        Record cfg = Configs.merge(base, over, "--set");
        Engine engine = Engine.getEngine("PyTorch");
        Device dev = device.parse(engine);
        if (convPath != null) {
            System.setProperty("freqmed.conv.path", convPath);
        }
        if (attention != null) {
            System.setProperty("freqmed.attention", attention);
        }
        ConvRouting routing = EngineSetup.start(spec.commandLine().getErr());
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be >= 1, found " + threads);
            }
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
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
        json.put("attention", FusedAttention.enabled() ? "fused" : "explicit");
        json.put("group_norm", NativeGroupNorm.enabled() ? "native" : "explicit");
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
                Map<String, Parameter> trainable = new LinkedHashMap<>();
                params.forEach((k, p) -> {
                    if (p.requiresGradient()) {
                        trainable.put(k, p);
                    }
                });
                // Exactly the step the trainer runs for this task (FSANet: one update per
                // multi-scale side), on a synthetic batch of the task's own input size.
                TrainStep step = task.trainStep();
                StepContext ctx = StepContext.standalone(net, task, manager, opt, trainable, 1e-4);
                java.util.Random rng = new java.util.Random(1);
                double trainSeconds = 0;
                for (int i = 0; i <= steps; i++) {
                    List<Sample> batchSamples = syntheticBatch(rng, batch, (int) in.get(1), size);
                    long t0 = System.nanoTime();
                    step.run(ctx, batchSamples);
                    if (i > 0) {
                        trainSeconds += (System.nanoTime() - t0) / 1e9;
                    }
                }
                json.put("train_images_per_second", batch * steps / trainSeconds);
            }
        }
        json.put("peak_rss_mib", HostMemory.peakRssMib());
        PrintWriter out = spec.commandLine().getOut();
        out.println(Configs.json().writeValueAsString(json));
        out.flush();
        return 0;
    }

    /**
     * Random images (normalised-looking values), blob masks and a second random image (the other
     * domain of unpaired tasks) of the task's input size.
     */
    private static List<Sample> syntheticBatch(java.util.Random rng, int n, int channels, int size) {
        List<Sample> out = new java.util.ArrayList<>();
        for (int b = 0; b < n; b++) {
            float[] img = new float[channels * size * size];
            float[] other = new float[img.length];
            for (int i = 0; i < img.length; i++) {
                img[i] = (float) rng.nextGaussian();
                other[i] = (float) rng.nextGaussian();
            }
            float[] mask = new float[size * size];
            double cy = size * (0.3 + 0.4 * rng.nextDouble());
            double cx = size * (0.3 + 0.4 * rng.nextDouble());
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    mask[y * size + x] = (y - cy) * (y - cy) + (x - cx) * (x - cx) < size * size / 16.0
                            ? 1f : 0f;
                }
            }
            out.add(new Sample("synthetic-" + b, Map.of(Sample.IMAGE, new FloatImage(channels, size, size, img),
                    Sample.MASK, new FloatImage(1, size, size, mask),
                    UnpairedFolderReader.IMAGE_B,
                    new FloatImage(channels, size, size, other))));
        }
        return out;
    }

    private static boolean hasComponent(Record r, String name) {
        for (var c : r.getClass().getRecordComponents()) {
            if (c.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }
}
