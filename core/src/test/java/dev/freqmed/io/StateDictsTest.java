package dev.freqmed.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
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
            sd.put("layers.0.bn.num_batches_tracked", HostTensor.of(DType.INT64, new long[0], eight));
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
}
