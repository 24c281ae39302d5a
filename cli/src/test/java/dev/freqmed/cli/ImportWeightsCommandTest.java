package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.StateDicts;
import dev.freqmed.model.frcunet.FrcuNet;
import dev.freqmed.model.frcunet.FrcuNetConfig;
import dev.freqmed.model.frcunet.FrcuNetTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportWeightsCommandTest {

    @Test
    void importedWeightsLoadAsACheckpointThatPredictAccepts(@TempDir Path tmp) throws Exception {
        FrcuNetConfig cfg = FrcuNetConfig.tiny();
        Path file = tmp.resolve("released.safetensors");
        float[] expected;
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(cfg);
            net.initialize(m, DataType.FLOAT32, new FrcuNetTask(cfg).inputShape());
            // a file as a DataParallel run would write it: every key under "module."
            Map<String, ai.djl.ndarray.NDArray> t = StateDicts.tensors(net);
            Map<String, Object> prefixed = new java.util.LinkedHashMap<>();
            t.forEach((k, v) -> prefixed.put("module." + k, v));
            Safetensors.write(file, prefixed, Map.of());
            expected = t.values().iterator().next().toFloatArray();
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
            float[] got = StateDicts.parameters(lm.network()).values().iterator().next()
                    .getArray().toFloatArray();
            assertArrayEquals(expected, got, 0f);
        }
        // a second import into the same folder needs --overwrite
        code = Main.run(new PrintWriter(o), new PrintWriter(e), "import-weights", "--arch",
                "frcunet", "--preset", "tiny", "--from", file.toString(), "--out", out.toString());
        assertEquals(Errors.BAD_INPUT, code);
        assertTrue(e.toString().contains("--overwrite"), e.toString());
    }
}
