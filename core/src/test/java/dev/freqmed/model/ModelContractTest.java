package dev.freqmed.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import dev.freqmed.data.FloatImage;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.Predictor;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.LoadReport;
import dev.freqmed.io.Manifest;
import dev.freqmed.io.ModelCheckpoint;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.weights.WeightFiles;
import dev.freqmed.io.weights.WeightImporter;
import dev.freqmed.model.diffusionffpe.DiffusionFfpeConfig;
import dev.freqmed.model.frcunet.FrcuNetConfig;
import dev.freqmed.model.fafnet.FafNetConfig;
import dev.freqmed.model.fsanet.FsaNetConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every model in {@link ModelRegistry} keeps, run for each registered name: the
 * tiny preset builds and its outputs have the shapes it declares; forward and backward are finite
 * and every trainable parameter gets a gradient (except those the network declares held but
 * unused); an input side off the network's stride is refused with a message naming the stride;
 * a checkpoint written and loaded through {@link ModelCheckpoint} and {@link LoadedModel}
 * restores weights that differed before loading; every key of the reference weights is
 * consumed; tiled prediction equals untiled prediction on an image that fits one window.
 *
 * <p>A new model gets all of this by registering, plus one line in {@link #REFERENCE_WEIGHTS}.
 */
class ModelContractTest {

    private static final Path TESTDATA = Path.of("..", "testdata");

    /** How each model's reference weights are checked: a key list or a file that must load. */
    record ReferenceWeights(Path file, Supplier<Record> config) {
    }

    static final Map<String, ReferenceWeights> REFERENCE_WEIGHTS = Map.of(
            // Every key of the reference's state_dict, with its shape (FAF-Net at paper scale).
            "fafnet", new ReferenceWeights(TESTDATA.resolve("fafnet/reference-keys.txt"),
                    FafNetConfig::paper),
            // Every key of the reference's state_dict, with its shape (FSANet at paper scale).
            "fsanet", new ReferenceWeights(TESTDATA.resolve("fsanet/reference-keys.txt"),
                    FsaNetConfig::paper),
            // New parts from the reference modules, encoders from the spec's key tables, at
            // paper widths with shallow encoders (see testdata/fpnunet/README.md).
            "fpnunet", new ReferenceWeights(TESTDATA.resolve("fpnunet/reference-keys.txt"),
                    dev.freqmed.model.fpnunet.FpnuNetFixtures::keyCheck),
            // A Keras HDF5 file in the reference layout (see testdata/frcunet/README.md).
            "frcunet", new ReferenceWeights(TESTDATA.resolve("frcunet/keras_tiny.h5"),
                    () -> new FrcuNetConfig(32, 0.004, 1, FrcuNetConfig.Variant.FRCUNET, 0.1,
                            0.9, 32, 1, 0)),
            // diffusers 0.25.1 UNet/VAE keys with PEFT's LoRA naming, img2img-turbo's skip
            // convolutions, timm's ViT and the vision-aided head (see the README there).
            "diffusion-ffpe", new ReferenceWeights(
                    TESTDATA.resolve("diffusion-ffpe/reference-keys-tiny.txt"),
                    DiffusionFfpeConfig::tiny));

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicContainer> everyRegisteredModelKeepsTheContract() {
        return ModelRegistry.names().stream().sorted().map(name -> DynamicContainer.dynamicContainer(
                name, Stream.of(
                        DynamicTest.dynamicTest("output shapes match the declared ones",
                                () -> outputShapes(name)),
                        DynamicTest.dynamicTest("forward and backward are finite, every"
                                + " trainable parameter gets a gradient, nothing stays behind", () -> gradients(name)),
                        DynamicTest.dynamicTest("a side off the stride is refused clearly",
                                () -> offStrideInput(name)),
                        DynamicTest.dynamicTest("checkpoint round trip restores the weights",
                                () -> roundTrip(name)),
                        DynamicTest.dynamicTest("every reference weight key is consumed",
                                () -> referenceKeys(name)),
                        DynamicTest.dynamicTest("tiled equals untiled within one window",
                                () -> tiledEqualsUntiled(name)))));
    }

    private static Record tiny(String name) {
        return ModelRegistry.get(name).preset("tiny");
    }

    private static Shape input(TaskAdapter task, int batch) {
        Shape s = task.inputShape();
        return new Shape(batch, s.get(1), s.get(2), s.get(3));
    }

    private static NDArray randomInput(NDManager m, Shape s, long seed) {
        Random r = new Random(seed);
        float[] v = new float[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return m.create(v, s);
    }

    void outputShapes(String name) {
        ModelRegistry.Entry<?> e = ModelRegistry.get(name);
        Block net = e.buildNetwork(tiny(name));
        TaskAdapter task = e.buildTask(tiny(name));
        try (NDManager m = NDManager.newBaseManager()) {
            Shape in = input(task, 2);
            net.initialize(m, DataType.FLOAT32, in);
            Shape[] declared = net.getOutputShapes(new Shape[] {in});
            NDList out = net.forward(new ParameterStore(m, false),
                    new NDList(randomInput(m, in, 1)), false);
            assertEquals(declared.length, out.size(), name + " output count");
            for (int i = 0; i < declared.length; i++) {
                assertEquals(declared[i], out.get(i).getShape(), name + " output " + i);
            }
        }
    }

    void gradients(String name) {
        ModelRegistry.Entry<?> e = ModelRegistry.get(name);
        Engine.getInstance().setRandomSeed(3);
        Block net = e.buildNetwork(tiny(name));
        TaskAdapter task = e.buildTask(tiny(name));
        Set<String> held = net instanceof HeldParameters h ? h.heldUnusedParameters() : Set.of();
        try (NDManager m = NDManager.newBaseManager()) {
            Shape in = input(task, 2);
            net.initialize(m, DataType.FLOAT32, in);
            Map<String, Parameter> params = StateDicts.parameters(net);
            for (Parameter p : params.values()) {
                if (p.requiresGradient()) {
                    p.getArray().setRequiresGradient(true);
                }
            }
            // Everything a training pass makes belongs to the batch: nothing may stay in the
            // network's manager (an operation that starts from a parameter puts its result there).
            int settled = m.getManagedArrays().size();
            try (NDManager batch = m.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray target = batch.randomUniform(0, 1,
                        new Shape(2, 1, in.get(2), in.get(3))).gt(0.7)
                        .toType(DataType.FLOAT32, false);
                NDList out = net.forward(new ParameterStore(m, false),
                        new NDList(randomInput(batch, in, 2)), true);
                for (NDArray o : out) {
                    assertEquals(0L, o.isNaN().logicalOr(o.isInfinite()).sum().getLong(),
                            name + " output " + o.getName() + " not finite");
                }
                NDArray loss = task.loss(out, new NDList(target));
                assertTrue(Float.isFinite(loss.getFloat()), name + " loss " + loss.getFloat());
                gc.backward(loss);
            }
            assertEquals(settled, m.getManagedArrays().size(),
                    name + ": arrays left in the network's manager by a training pass");
            List<String> without = new ArrayList<>();
            List<String> zero = new ArrayList<>();
            int trainable = 0;
            for (Map.Entry<String, Parameter> p : params.entrySet()) {
                if (!p.getValue().requiresGradient() || held.contains(p.getKey())) {
                    continue;
                }
                NDArray a = p.getValue().getArray();
                if (!a.hasGradient()) {
                    without.add(p.getKey() + " (none)");
                    continue;
                }
                NDArray g = a.getGradient();
                assertEquals(0L, g.isNaN().logicalOr(g.isInfinite()).sum().getLong(),
                        name + " gradient of " + p.getKey() + " not finite");
                if (g.abs().sum().getFloat() == 0f && !zeroLoraB(params, p.getKey())) {
                    zero.add(p.getKey());
                }
                trainable++;
            }
            assertEquals(List.of(), without, name + ": trainable parameters without gradient");
            // An all-zero gradient is legitimate where a ReLU is dead for this input (a
            // squeeze-excitation of a tiny preset may have one hidden unit), but not common.
            assertTrue(zero.size() <= Math.max(2, trainable / 50), name + ": " + zero.size()
                    + " of " + trainable + " parameters have an all-zero gradient: " + zero);
            for (String h : held) {
                assertTrue(params.containsKey(h), name + " declares " + h + " held, no such key");
            }
        }
    }

    /**
     * Whether {@code key} is a LoRA {@code lora_A.weight} whose {@code lora_B.weight} is all zero:
     * a fresh adapter (PEFT starts B at zero) passes no gradient to A, by construction.
     */
    private static boolean zeroLoraB(Map<String, Parameter> params, String key) {
        if (!key.endsWith("lora_A.weight")) {
            return false;
        }
        Parameter b = params.get(key.substring(0, key.length() - "lora_A.weight".length())
                + "lora_B.weight");
        return b != null && b.getArray().abs().sum().getFloat() == 0f;
    }

    void offStrideInput(String name) {
        ModelRegistry.Entry<?> e = ModelRegistry.get(name);
        Block net = e.buildNetwork(tiny(name));
        TaskAdapter task = e.buildTask(tiny(name));
        try (NDManager m = NDManager.newBaseManager()) {
            Shape in = input(task, 1);
            net.initialize(m, DataType.FLOAT32, in);
            Shape odd = new Shape(1, in.get(1), in.get(2) + 1, in.get(3) - 1);
            try {
                NDList out = net.forward(new ParameterStore(m, false),
                        new NDList(randomInput(m, odd, 3)), false);
                // Padded: the outputs keep the input's size.
                assertEquals(odd.get(2), out.head().getShape().get(2), name);
            } catch (IllegalArgumentException ex) {
                assertTrue(ex.getMessage().contains(Integer.toString(task.stride())),
                        name + ": the message should name the stride " + task.stride() + ": "
                                + ex.getMessage());
            }
        }
    }

    void roundTrip(String name) throws Exception {
        ModelRegistry.Entry<?> e = ModelRegistry.get(name);
        Record cfg = tiny(name);
        Path dir = tmp.resolve(name + "-ckpt");
        Map<String, float[]> saved = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(21);
            Block net = e.buildNetwork(cfg);
            TaskAdapter task = e.buildTask(cfg);
            net.initialize(m, DataType.FLOAT32, task.inputShape());
            // Move BatchNorm statistics away from 0 / 1 so a skipped buffer shows.
            for (Map.Entry<String, Parameter> p : StateDicts.parameters(net).entrySet()) {
                NDArray a = p.getValue().getArray();
                if (p.getKey().endsWith("running_var") || p.getKey().endsWith("running_mean")) {
                    float[] v = new float[(int) a.size()];
                    java.util.Arrays.fill(v, p.getKey().endsWith("running_var") ? 1.7f : -0.3f);
                    a.set(v);
                }
                saved.put(p.getKey(), a.toFloatArray());
            }
            ModelCheckpoint.save(dir, net, Manifest.of(name, Configs.toMap(cfg)));
        }
        Engine.getInstance().setRandomSeed(22);
        try (LoadedModel loaded = LoadedModel.load(dir, Device.cpu(), name)) {
            Map<String, Parameter> back = StateDicts.parameters(loaded.network());
            assertEquals(saved.keySet(), back.keySet());
            for (Map.Entry<String, float[]> s : saved.entrySet()) {
                assertArrayEquals(s.getValue(), back.get(s.getKey()).getArray().toFloatArray(),
                        name + " " + s.getKey());
            }
        }
        // The same network freshly initialised differs: the load is what restored them.
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(22);
            Block fresh = e.buildNetwork(cfg);
            fresh.initialize(m, DataType.FLOAT32, e.buildTask(cfg).inputShape());
            int differing = 0;
            for (Map.Entry<String, Parameter> p : StateDicts.parameters(fresh).entrySet()) {
                float[] a = p.getValue().getArray().toFloatArray();
                float[] b = saved.get(p.getKey());
                for (int i = 0; i < a.length; i++) {
                    if (a[i] != b[i]) {
                        differing++;
                        break;
                    }
                }
            }
            assertTrue(differing > saved.size() / 2, name + ": only " + differing + " of "
                    + saved.size() + " tensors differ before loading");
        }
    }

    void referenceKeys(String name) throws Exception {
        ReferenceWeights ref = REFERENCE_WEIGHTS.get(name);
        if (ref == null) {
            fail(name + " has no reference weights in ModelContractTest.REFERENCE_WEIGHTS: add"
                    + " its key list or a reference-layout weight file under testdata/");
        }
        ModelRegistry.Entry<?> e = ModelRegistry.get(name);
        Record cfg = ref.config().get();
        Block net = e.buildNetwork(cfg);
        try (NDManager m = NDManager.newBaseManager()) {
            net.initialize(m, DataType.FLOAT32, e.buildTask(cfg).inputShape());
            if (ref.file().toString().endsWith(".txt")) {
                Set<String> want = new TreeSet<>();
                for (String line : Files.readAllLines(ref.file())) {
                    String key = line.split(" ")[0];
                    if (!key.endsWith("num_batches_tracked")) {
                        want.add(key);
                    }
                }
                assertEquals(want, new TreeSet<>(StateDicts.parameters(net).keySet()), name);
            } else {
                LoadReport r = WeightImporter.load(net, WeightFiles.read(ref.file()),
                        LoadOptions.strictDefaults());
                assertTrue(r.isComplete(), name + ":\n" + r.table());
                assertTrue(r.unexpected().isEmpty(), name + ": " + r.unexpected());
                assertEquals(StateDicts.parameters(net).size(), r.loaded().size(), name);
            }
        }
    }

    void tiledEqualsUntiled(String name) throws Exception {
        ModelRegistry.Entry<?> e = ModelRegistry.get(name);
        Record cfg = tiny(name);
        Path dir = tmp.resolve(name + "-tiles");
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            Block net = e.buildNetwork(cfg);
            net.initialize(m, DataType.FLOAT32, e.buildTask(cfg).inputShape());
            ModelCheckpoint.save(dir, net, Manifest.of(name, Configs.toMap(cfg)));
        }
        Random r = new Random(9);
        float[] px = new float[3 * 45 * 61];
        for (int i = 0; i < px.length; i++) {
            px[i] = r.nextInt(256);
        }
        FloatImage img = new FloatImage(3, 45, 61, px);
        try (LoadedModel model = LoadedModel.load(dir, Device.cpu(), name)) {
            int side = (int) model.task().inputShape().get(2);
            Prediction whole = new Predictor(model, 0, 0).run(img);
            Prediction tiled = new Predictor(model, side + model.task().stride(),
                    model.task().stride()).run(img);
            assertEquals(whole.arrays().keySet(), tiled.arrays().keySet());
            for (var k : whole.arrays().keySet()) {
                assertArrayEquals(whole.get(k).data(), tiled.get(k).data(), 0f, name + " " + k);
            }
            assertFalse(whole.arrays().isEmpty());
        }
    }
}
