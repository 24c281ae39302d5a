package dev.freqmed.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.StateDicts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Inception-V3 against PyTorch 1.13 (testdata/inception/reference.json): torchvision's
 * architecture rebuilt from {@code torch.nn} layers (torchvision is not a dependency), filled
 * with the deterministic weights of {@link #uniform} — BatchNorm scales and variances in
 * [0.5, 1.5), means in ±0.3, shifts in ±0.2 — both pooling variants, and the shape trace at 299².
 */
class InceptionV3Test {

    /** 64-bit FNV-1a of the key's UTF-8 bytes. */
    static long fnv(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** {@code n} values in [0, 1): splitmix64 of {@code fnv(key) + i·golden}, i = 1..n. */
    static double[] uniform(String key, int n) {
        long seed = fnv(key);
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            long x = seed + (i + 1L) * 0x9E3779B97F4A7C15L;
            x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
            x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
            x ^= x >>> 31;
            u[i] = (x >>> 11) * 0x1.0p-53;
        }
        return u;
    }

    static JsonNode reference() throws IOException {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path f = p.resolve("testdata/inception/reference.json");
            if (Files.isRegularFile(f)) {
                return new ObjectMapper().readTree(f.toFile());
            }
            p = p.getParent();
        }
        throw new IllegalStateException("testdata/inception not found");
    }

    /** The reference script's weights for every key of {@code net}. */
    static Map<String, HostTensor> weights(InceptionV3 net) {
        Map<String, HostTensor> sd = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : StateDicts.parameters(net).entrySet()) {
            String k = e.getKey();
            long[] shape = e.getValue().getArray().getShape().getShape();
            int n = (int) HostTensor.numel(shape);
            double[] u = uniform(k, n);
            float[] v = new float[n];
            long fanIn = shape.length >= 2 ? n / shape[0] : 1;
            for (int i = 0; i < n; i++) {
                double a;
                if (k.endsWith("running_var") || k.endsWith("bn.weight")) {
                    a = 0.5 + u[i];
                } else if (k.endsWith("running_mean")) {
                    a = (2 * u[i] - 1) * 0.3;
                } else if (k.endsWith("bn.bias")) {
                    a = (2 * u[i] - 1) * 0.2;
                } else {
                    a = (2 * u[i] - 1) * Math.sqrt(6.0 / fanIn);
                }
                v[i] = (float) a;
            }
            sd.put(k, HostTensor.of(DType.FLOAT32, shape, v));
        }
        return sd;
    }

    @Test
    void matchesTorchOnBothVariantsWithTheShapeTrace() throws IOException {
        JsonNode ref = reference();
        double[] u = uniform("input", 3 * 299 * 299);
        float[] input = new float[u.length];
        for (int i = 0; i < u.length; i++) {
            input[i] = (float) (u[i] * 2 - 1);
        }
        for (InceptionV3.Variant v : InceptionV3.Variant.values()) {
            try (NDManager m = NDManager.newBaseManager()) {
                InceptionV3 net = new InceptionV3(v);
                net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 299, 299));
                Map<String, HostTensor> sd = weights(net);
                float before = StateDicts.parameters(net).get("Mixed_6b.branch7x7_2.bn.running_var")
                        .getArray().getFloat(0);
                assertEquals(1f, before, "BatchNorm starts at unit variance");
                StateDicts.load(net, sd, LoadOptions.strictDefaults());
                assertTrue(StateDicts.parameters(net).get("Mixed_6b.branch7x7_2.bn.running_var")
                        .getArray().getFloat(0) != before);
                NDArray x = m.create(input, new Shape(1, 3, 299, 299));
                NDList trace = net.trace(new ParameterStore(m, false), x, false);
                JsonNode expected = ref.get(v == InceptionV3.Variant.FID ? "fid" : "torchvision");
                float[] got = trace.get(trace.size() - 1).toFloatArray();
                assertEquals(InceptionV3.FEATURES, got.length);
                double maxRel = 0;
                double norm = 0;
                for (int i = 0; i < got.length; i++) {
                    norm = Math.max(norm, Math.abs(expected.get(i).asDouble()));
                }
                for (int i = 0; i < got.length; i++) {
                    maxRel = Math.max(maxRel, Math.abs(got[i] - expected.get(i).asDouble()) / norm);
                }
                assertTrue(maxRel < 1e-4, v + ": largest difference " + maxRel
                        + " of the largest feature " + norm);
                float[] direct = net.forward(new ParameterStore(m, false), new NDList(x), false)
                        .singletonOrThrow().toFloatArray();
                assertEquals(got[17], direct[17], 0f);
                if (v == InceptionV3.Variant.TORCHVISION) {
                    JsonNode shapes = ref.get("trace");
                    assertEquals(shapes.size() + 1, trace.size());
                    for (int i = 0; i < shapes.size(); i++) {
                        JsonNode s = shapes.get(i).get(1);
                        assertEquals(new Shape(s.get(0).asLong(), s.get(1).asLong(),
                                s.get(2).asLong(), s.get(3).asLong()), trace.get(i).getShape(),
                                shapes.get(i).get(0).asText());
                    }
                }
            }
        }
    }
}
