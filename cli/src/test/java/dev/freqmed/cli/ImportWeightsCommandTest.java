package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.StateDicts;
import dev.freqmed.model.frcunet.FrcuNet;
import dev.freqmed.model.frcunet.FrcuNetConfig;
import dev.freqmed.model.frcunet.FrcuNetTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportWeightsCommandTest {

    @Test
    void importedWeightsLoadAsACheckpointThatPredictAccepts(@TempDir Path tmp) throws Exception {
        FrcuNetConfig cfg = FrcuNetConfig.tiny();
        Path file = tmp.resolve("released.safetensors");
        Map<String, float[]> expected = new java.util.LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(101);
            FrcuNet net = new FrcuNet(cfg);
            net.initialize(m, DataType.FLOAT32, new FrcuNetTask(cfg).inputShape());
            // a file as a DataParallel run would write it: every key under "module."; BatchNorm
            // statistics off 0 / 1 so that a skipped buffer shows
            Map<String, ai.djl.ndarray.NDArray> t = StateDicts.tensors(net);
            Map<String, Object> prefixed = new java.util.LinkedHashMap<>();
            t.forEach((k, v) -> {
                if (k.endsWith("running_var") || k.endsWith("running_mean")) {
                    float[] a = new float[(int) v.size()];
                    java.util.Arrays.fill(a, k.endsWith("running_var") ? 1.7f : -0.3f);
                    v.set(a);
                }
                prefixed.put("module." + k, v);
                expected.put(k, v.toFloatArray());
            });
            Safetensors.write(file, prefixed, Map.of());
        }
        // A network built the way import-weights builds its target differs from the file.
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(202);
            FrcuNet fresh = new FrcuNet(cfg);
            fresh.initialize(m, DataType.FLOAT32, new FrcuNetTask(cfg).inputShape());
            int differing = 0;
            for (Map.Entry<String, ai.djl.ndarray.NDArray> f : StateDicts.tensors(fresh)
                    .entrySet()) {
                if (!java.util.Arrays.equals(f.getValue().toFloatArray(),
                        expected.get(f.getKey()))) {
                    differing++;
                }
            }
            assertTrue(differing > expected.size() / 2, differing + " of " + expected.size());
        }
        Path out = tmp.resolve("imported");
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "import-weights", "--arch",
                "frcunet", "--preset", "tiny", "--from", file.toString(), "--out", out.toString());
        assertEquals(0, code, e.toString());
        assertTrue(o.toString().contains("frcunet checkpoint written"), o.toString());
        try (LoadedModel lm = LoadedModel.load(out, Device.cpu(), "frcunet")) {
            assertEquals("released.safetensors", lm.manifest().extra().get("importedFrom"));
            Map<String, ai.djl.ndarray.NDArray> got = StateDicts.tensors(lm.network());
            assertEquals(expected.keySet(), got.keySet());
            for (Map.Entry<String, float[]> x : expected.entrySet()) {
                assertArrayEquals(x.getValue(), got.get(x.getKey()).toFloatArray(), 0f,
                        x.getKey());
            }
        }
        // a second import into the same folder needs --overwrite
        code = Main.run(new PrintWriter(o), new PrintWriter(e), "import-weights", "--arch",
                "frcunet", "--preset", "tiny", "--from", file.toString(), "--out", out.toString());
        assertEquals(Errors.BAD_INPUT, code);
        assertTrue(e.toString().contains("--overwrite"), e.toString());
    }

    private static Path testdata(String rel) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("testdata not found");
        }
        return p.resolve("testdata").resolve(rel);
    }

    @Test
    void kerasReferenceWeightsImportedByCommandReproduceTheGoldenForward(@TempDir Path tmp)
            throws Exception {
        Path out = tmp.resolve("frcu");
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        // the config of testdata/frcunet/keras_tiny.h5 (see its README)
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "import-weights", "--arch",
                "frcunet", "--preset", "tiny", "--set", "inputSize=32", "--set",
                "widthMultiplier=0.004", "--set", "middleBlocks=1", "--set", "bnMomentum=0.9",
                "--from", testdata("frcunet/keras_tiny.h5").toString(), "--out",
                out.toString());
        assertEquals(0, code, e.toString());
        assertTrue(o.toString().contains("loaded 259, missing 0, unexpected 0"), o.toString());
        JsonNode golden = new ObjectMapper().readTree(
                testdata("frcunet/forward_golden.json").toFile()).get("logit");
        float[] x = new float[3 * 32 * 32];
        for (int c = 0; c < 3; c++) {
            for (int h = 0; h < 32; h++) {
                for (int w = 0; w < 32; w++) {
                    x[(c * 32 + h) * 32 + w] = ((37 * c + 11 * h + 7 * w) % 17) / 17f - 0.5f;
                }
            }
        }
        try (LoadedModel lm = LoadedModel.load(out, Device.cpu(), "frcunet")) {
            NDManager m = lm.manager();
            NDList y = lm.network().forward(new ParameterStore(m, false),
                    new NDList(m.create(x, new Shape(1, 3, 32, 32))), false);
            float[] logit = y.get(FrcuNet.Output.LOGIT.ordinal()).toFloatArray();
            assertEquals(golden.size(), logit.length);
            for (int i = 0; i < logit.length; i++) {
                assertEquals(golden.get(i).asDouble(), logit[i], 2e-6, "logit " + i);
            }
        }
    }
}
