package dev.freqmed.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.core.Prelu;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.initializer.ConstantInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.PthReader;
import dev.freqmed.io.weights.WeightFiles;
import dev.freqmed.io.weights.WeightImporter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateDictsTest {

    static final List<String> STEM_KEYS = List.of("stem.weight", "stem.bias",
            "layers.0.conv.weight", "layers.0.bn.weight", "layers.0.bn.bias",
            "layers.0.bn.running_mean", "layers.0.bn.running_var", "layers.1.conv.weight",
            "layers.1.bn.weight", "layers.1.bn.bias", "layers.1.bn.running_mean",
            "layers.1.bn.running_var");

    static StemNet initializedNet(NDManager m) {
        StemNet net = new StemNet(3, 10);
        net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 6, 6));
        return net;
    }

    @Test
    void keysFollowPytorchNaming() {
        try (NDManager m = NDManager.newBaseManager()) {
            StemNet net = initializedNet(m);
            assertEquals(STEM_KEYS, new ArrayList<>(StateDicts.parameters(net).keySet()));
            Map<String, NDArray> t = StateDicts.tensors(net);
            assertEquals(new Shape(10, 3, 3, 3), t.get("stem.weight").getShape());
        }
    }

    @Test
    void sequentialChildrenAreNumberedAndPreluAlphaIsWeight() {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock seq = new SequentialBlock()
                    .add(Linear.builder().setUnits(3).build())
                    .add(new Prelu())
                    .add(new SequentialBlock().add(LayerNorm.builder().build()));
            seq.setInitializer(new ConstantInitializer(0.25f), p -> true);
            seq.initialize(m, DataType.FLOAT32, new Shape(2, 4));
            assertEquals(List.of("0.weight", "0.bias", "1.weight", "2.0.weight", "2.0.bias"),
                    new ArrayList<>(StateDicts.parameters(seq).keySet()));
        }
    }

    private static Map<String, HostTensor> filled(StemNet net, float value) {
        Map<String, HostTensor> sd = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : StateDicts.parameters(net).entrySet()) {
            long[] shape = e.getValue().getArray().getShape().getShape();
            float[] v = new float[(int) HostTensor.numel(shape)];
            java.util.Arrays.fill(v, value);
            sd.put(e.getKey(), HostTensor.of(DType.FLOAT32, shape, v));
        }
        return sd;
    }

    @Test
    void loadFillsEveryParameterAndIgnoresBatchCounter() {
        try (NDManager m = NDManager.newBaseManager()) {
            StemNet net = initializedNet(m);
            Map<String, HostTensor> sd = filled(net, 0.25f);
            ByteBuffer eight = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 8);
            sd.put("layers.0.bn.num_batches_tracked",
                    HostTensor.of(DType.INT64, new long[0], eight));
            // float64 source converted to the parameter's float32
            ByteBuffer d = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 10; i++) {
                d.putDouble(i * 8, i);
            }
            sd.put("stem.bias", HostTensor.of(DType.FLOAT64, new long[] {10}, d));
            LoadReport r = StateDicts.load(net, sd, LoadOptions.strictDefaults());
            assertEquals(STEM_KEYS.size(), r.loaded().size());
            assertEquals(List.of("layers.0.bn.num_batches_tracked"), r.ignored());
            assertTrue(r.isComplete());
            Map<String, Parameter> p = StateDicts.parameters(net);
            assertEquals(0.25f, p.get("layers.1.bn.running_var").getArray().getFloat(3));
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
                    p.get("stem.bias").getArray().toFloatArray(), 0);
        }
    }

    @Test
    void strictFailureListsEveryProblemAndWritesNothing() {
        try (NDManager m = NDManager.newBaseManager()) {
            StemNet net = initializedNet(m);
            Map<String, HostTensor> sd = filled(net, 0.5f);
            sd.remove("layers.1.conv.weight");
            sd.put("head.weight", HostTensor.of(DType.FLOAT32, new long[] {1}, new float[] {1}));
            sd.put("stem.bias", HostTensor.of(DType.FLOAT32, new long[] {9}, new float[9]));
            float before = StateDicts.parameters(net).get("stem.weight").getArray().getFloat(0, 0,
                    0, 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StateDicts.load(net, sd, LoadOptions.strictDefaults()));
            String msg = e.getMessage();
            assertTrue(msg.contains("missing     layers.1.conv.weight"), msg);
            assertTrue(msg.contains("unexpected  head.weight"), msg);
            assertTrue(msg.contains("stem.bias: expected [10], found [9]"), msg);
            assertEquals(before, StateDicts.parameters(net).get("stem.weight").getArray()
                    .getFloat(0, 0, 0, 0));
        }
    }

    @Test
    void allowMissingAndRenameSupportPartialLoads() {
        try (NDManager m = NDManager.newBaseManager()) {
            StemNet net = initializedNet(m);
            Map<String, HostTensor> full = filled(net, 0.5f);
            Map<String, HostTensor> sd = new LinkedHashMap<>();
            full.forEach((k, v) -> {
                if (k.startsWith("stem.")) {
                    sd.put("module.backbone." + k, v);
                }
            });
            sd.put("module.fc.weight", HostTensor.of(DType.FLOAT32, new long[] {1}, new float[1]));
            LoadOptions o = LoadOptions.strictDefaults().withAllowMissing("layers.*")
                    .withIgnoreUnexpected("fc.*")
                    .withRename(k -> k.replaceFirst("^module\\.", "").replaceFirst("^backbone\\.",
                            ""));
            LoadReport r = StateDicts.load(net, sd, o);
            assertEquals(List.of("stem.weight", "stem.bias"), r.loaded());
            assertEquals(List.of("fc.weight"), r.ignored());
            assertEquals(0.5f, StateDicts.parameters(net).get("stem.bias").getArray().getFloat(0));
        }
    }

    @Test
    void referenceStemWeightsReproduceTheReferenceOutput() throws Exception {
        JsonNode exp = WeightFixtures.expected().get("forward_stem_layers");
        Map<String, HostTensor> sd = PthReader.read(WeightFixtures.file("state_dict_zip.pth"))
                .stateDict();
        try (NDManager m = NDManager.newBaseManager()) {
            StemNet net = initializedNet(m);
            // the fixture holds more than the stem net: everything else is declared unused
            LoadOptions o = LoadOptions.strictDefaults();
            for (String g : List.of("freq_filter", "attn.*", "norm.*", "head.*", "views.*",
                    "dtypes.*", "scalar")) {
                o = o.withIgnoreUnexpected(g);
            }
            LoadReport r = StateDicts.load(net, sd, o);
            assertEquals(STEM_KEYS, r.loaded());
            assertTrue(r.ignored().contains("layers.1.bn.num_batches_tracked"));
            NDArray x = m.linspace(-1f, 1f, 108).reshape(1, 3, 6, 6);
            NDArray y = net.forward(new ai.djl.training.ParameterStore(m, false), new NDList(x),
                    false).singletonOrThrow();
            assertEquals(new Shape(1, 10, 6, 6), y.getShape());
            float[] v = y.toFloatArray();
            double sum = 0;
            for (float f : v) {
                sum += f;
            }
            assertEquals(exp.get("output_sum").asDouble(), sum, 1e-4);
            JsonNode first = exp.get("output_first");
            for (int i = 0; i < first.size(); i++) {
                assertEquals(first.get(i).asDouble(), v[i], 1e-5, "output " + i);
            }
        }
    }

    @Test
    void lightningCheckpointImportsIntoTheSameNetwork() throws Exception {
        Checkpoint c = WeightFiles.read(WeightFixtures.file("lightning_checkpoint.ckpt"));
        Map<String, HostTensor> zip = PthReader.read(WeightFixtures.file("state_dict_zip.pth"))
                .stateDict();
        try (NDManager m = NDManager.newBaseManager()) {
            StemNet net = initializedNet(m);
            LoadOptions o = LoadOptions.strictDefaults();
            for (String g : List.of("freq_filter", "attn.*", "norm.*", "head.*", "views.*",
                    "scalar")) {
                o = o.withIgnoreUnexpected(g);
            }
            LoadReport r = WeightImporter.load(net, c, o);
            assertEquals(STEM_KEYS, r.loaded());
            for (Map.Entry<String, Parameter> e : StateDicts.parameters(net).entrySet()) {
                assertArrayEquals(zip.get(e.getKey()).toFloatArray(),
                        e.getValue().getArray().toFloatArray(), 0f, e.getKey());
            }
        }
    }
}
