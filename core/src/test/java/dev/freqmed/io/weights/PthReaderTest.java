package dev.freqmed.io.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.WeightFormatException;
import dev.freqmed.io.WeightFixturesAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PthReaderTest {

    private static void checkStateDict(Map<String, HostTensor> sd, boolean allKeys) {
        JsonNode exp = WeightFixturesAccess.expected().get("state_dict");
        if (allKeys) {
            assertEquals(exp.size(), sd.size());
        }
        for (Map.Entry<String, HostTensor> e : sd.entrySet()) {
            JsonNode x = exp.get(e.getKey());
            assertTrue(x != null, "unexpected key " + e.getKey());
            assertEquals(x.get("dtype").asText(), e.getValue().dtype().torchName(), e.getKey());
            WeightFixturesAccess.check(e.getKey(), x, e.getValue());
        }
    }

    @Test
    void zipStateDictMatchesExpected() throws Exception {
        Checkpoint c = PthReader.read(WeightFixturesAccess.file("state_dict_zip.pth"));
        assertEquals("pytorch-zip", c.format());
        assertEquals("", c.weightsPath());
        checkStateDict(c.stateDict(), true);
        Map<String, HostTensor> sd = c.stateDict();
        assertEquals(DType.COMPLEX64, sd.get("freq_filter").dtype());
        assertEquals(0, sd.get("scalar").shape().length);
        assertFalse(sd.get("views.t").isContiguous());
    }

    @Test
    void legacyStateDictMatchesExpected() throws Exception {
        Checkpoint c = PthReader.read(WeightFixturesAccess.file("state_dict_legacy.pth"));
        assertEquals("pytorch-legacy", c.format());
        checkStateDict(c.stateDict(), true);
    }

    @Test
    void lightningCheckpointIsUnwrapped() throws Exception {
        Checkpoint c = WeightFiles.read(WeightFixturesAccess.file("lightning_checkpoint.ckpt"));
        JsonNode exp = WeightFixturesAccess.expected().get("lightning_checkpoint");
        assertEquals("state_dict", c.weightsPath());
        assertEquals(exp.get("prefix").asText(), c.strippedPrefix());
        assertEquals(exp.get("tensors").asInt(), c.stateDict().size());
        checkStateDict(c.stateDict(), false);
        Map<String, Object> info = c.info();
        assertEquals(exp.get("epoch").asLong(), info.get("epoch"));
        assertEquals(exp.get("global_step").asLong(), info.get("global_step"));
        Map<?, ?> hp = (Map<?, ?>) info.get("hyper_parameters");
        assertEquals(0.0005, hp.get("lr"));
        assertEquals("tiny", hp.get("name"));
        assertEquals(List.of(128L, 64L), hp.get("sizes"));
        assertTrue(info.containsKey("optimizer_states"));
        assertFalse(info.containsKey("state_dict"));
    }

    @Test
    void maliciousPickleIsRefusedByNameWithoutSideEffect() throws Exception {
        Path pwned = Path.of(System.getProperty("java.io.tmpdir"), "freqmed-pwned");
        Files.deleteIfExists(pwned);
        Path f = WeightFixturesAccess.file("malicious.pth");
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> WeightFiles.read(f));
        String expected = WeightFixturesAccess.expected().get("malicious")
                .get("must_refuse_global").asText();
        assertTrue(expected.contains("posix.system"));
        assertTrue(e.getMessage().contains("'posix.system'"), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertFalse(Files.exists(pwned));
    }

    @Test
    void viewsWithOffsetsAndStridesReadTheSharedStorage() throws Exception {
        Map<String, HostTensor> sd =
                PthReader.read(WeightFixturesAccess.file("state_dict_zip.pth")).stateDict();
        // views.t is the transpose of a 6x8 storage, views.row its row 2 (storage offset 16),
        // views.col its column 3 (offset 3, stride 8)
        float[] t = sd.get("views.t").toFloatArray();
        float[] row = sd.get("views.row").toFloatArray();
        float[] col = sd.get("views.col").toFloatArray();
        for (int k = 0; k < 8; k++) {
            assertEquals(t[k * 6 + 2], row[k], 0f);
        }
        for (int i = 0; i < 6; i++) {
            assertEquals(t[3 * 6 + i], col[i], 0f);
        }
        HostTensor copy = sd.get("views.t").copy();
        assertTrue(copy.isContiguous());
        assertEquals(sd.get("views.t").stats(), copy.stats());
    }

    @Test
    void everyDtypeBecomesAnEngineArrayWithoutCrashingTheEngine() throws Exception {
        Map<String, HostTensor> sd =
                PthReader.read(WeightFixturesAccess.file("state_dict_zip.pth")).stateDict();
        try (NDManager m = NDManager.newBaseManager()) {
            for (Map.Entry<String, HostTensor> e : sd.entrySet()) {
                HostTensor t = e.getValue();
                NDArray a = t.toNDArray(m);
                assertEquals(t.engineDtype().djl(), a.getDataType(), e.getKey());
                assertArrayEquals(t.shape(), a.getShape().getShape(), e.getKey());
                if (t.dtype() != DType.COMPLEX64) {
                    float[] back = a.toType(DataType.FLOAT32, false).toFloatArray();
                    assertArrayEquals(t.toFloatArray(), back, 0f, e.getKey());
                }
                HostTensor.Stats back = HostTensor.fromNDArray(a).stats();
                assertEquals(t.stats().sum(), back.sum(), 1e-9, e.getKey());
                assertEquals(t.stats().sumsq(), back.sumsq(), 1e-9, e.getKey());
            }
        }
    }

    @Test
    void numpyScalarsInCheckpointsBecomeNumbers() throws Exception {
        // {'best': np.float64(0.5), 'n': np.int64(-3)}, as pickle protocol 2 writes it
        byte[] f8 = TorchZips.le(Double.doubleToLongBits(0.5), 8);
        byte[] i8 = TorchZips.le(-3, 8);
        byte[] state = TorchZips.bytes("(", "K", 3, TorchZips.str("<"), "N", "N", "N", "J",
                TorchZips.le(-1, 4), "J", TorchZips.le(-1, 4), "K", 0, "t");
        byte[] pkl = TorchZips.bytes(0x80, 2, "}", "(",
                TorchZips.str("best"), "cnumpy.core.multiarray\nscalar\n", "q", 1,
                "cnumpy\ndtype\n", "q", 2, TorchZips.str("f8"), 0x89, 0x88, 0x87, "R", state,
                "b", "c_codecs\nencode\n", "q", 3,
                TorchZips.str(new String(f8, java.nio.charset.StandardCharsets.ISO_8859_1)),
                TorchZips.str("latin1"), 0x86, "R", 0x86, "R",
                TorchZips.str("n"), "h", 1, "h", 2, TorchZips.str("i8"), 0x89, 0x88, 0x87, "R",
                state, "b", "h", 3,
                TorchZips.str(new String(i8, java.nio.charset.StandardCharsets.ISO_8859_1)),
                TorchZips.str("latin1"), 0x86, "R", 0x86, "R", "u", ".");
        Checkpoint c = PthReader.read(Path.of("numpy.pth"),
                java.nio.ByteBuffer.wrap(TorchZips.zipWith(pkl, Map.of())));
        assertEquals(0.5, c.info().get("best"));
        assertEquals(-3L, c.info().get("n"));
    }
}
