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

    @Test
    void torchSaveVariantsAreRead() throws Exception {
        // values computed with PyTorch 1.13 from the same files
        Map<String, HostTensor> sd = PthReader.read(WeightFixturesAccess.file("sd_meta.pth"))
                .stateDict();
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                "1.running_var", "1.num_batches_tracked", "2.weight", "2.bias"),
                List.copyOf(sd.keySet()));
        assertEquals(-0.7475195527076721, sd.get("0.weight").stats().sum(), 1e-6);
        assertEquals(-0.30426955223083496, sd.get("2.weight").toFloatArray()[0], 1e-7);

        Checkpoint misc = PthReader.read(WeightFixturesAccess.file("misc.pth"));
        Map<String, Object> info = misc.info();
        assertEquals(List.of(2L, 3L), info.get("size"));
        assertEquals("cpu", info.get("dev"));
        assertEquals("torch.float16", info.get("dt"));
        assertEquals(List.of(1L, 2L), info.get("set"));
        assertEquals(2.5, info.get("np"));
        assertArrayEquals(new byte[] {0, (byte) 0xff, 'a', 'b'}, (byte[]) info.get("bytes"));
        assertEquals(java.math.BigInteger.ONE.shiftLeft(70), info.get("big"));
        assertEquals(-5L, info.get("neg"));
        assertTrue(Double.isNaN((Double) info.get("f")));
        assertEquals(6, misc.tensors().size());
        assertEquals(sd.get("0.weight").stats(), misc.tensors().get("params.0").stats());

        Map<String, HostTensor> v = PthReader.read(WeightFixturesAccess.file("views.pth"))
                .stateDict();
        assertArrayEquals(new long[] {4, 2, 3}, v.get("perm").shape());
        assertArrayEquals(new float[] {0, 4, 8, 12, 16, 20},
                java.util.Arrays.copyOf(v.get("perm").toFloatArray(), 6), 0f);
        assertArrayEquals(new float[] {4, 6, 8, 10, 16, 18, 20, 22},
                v.get("narrow").toFloatArray(), 0f);
        assertEquals(0, v.get("empty").numel());
        assertEquals(DType.INT16, v.get("i16").dtype());
        assertEquals(10.0, v.get("i16").stats().sum(), 0);
        assertArrayEquals(new float[] {0.4025608f, 0.12602158f, 0.9580691f, -0.007940425f},
                v.get("c").toFloatArray(), 1e-7f);
    }

    @Test
    void unknownObjectsCanBeKeptAsInertDataWithoutRunningThem() throws Exception {
        Path pwned = Path.of(System.getProperty("java.io.tmpdir"), "freqmed-pwned");
        Files.deleteIfExists(pwned);
        Checkpoint c = PthReader.read(WeightFixturesAccess.file("malicious.pth"), true);
        OpaqueObject o = (OpaqueObject) ((Map<?, ?>) c.root()).get("weight");
        assertEquals("posix.system", o.type());
        // the payload the pickle would pass to os.system: kept as a string, never run
        assertEquals(1, o.args().size());
        String payload = (String) o.args().get(0);
        assertTrue(payload.startsWith("touch ") && payload.endsWith("freqmed-pwned"), payload);
        assertFalse(Files.exists(pwned));

        // a Lightning-style checkpoint whose hyper-parameters are a dict subclass (NEWOBJ,
        // SETITEMS, BUILD) next to a plain state dict
        byte[] pkl = TorchZips.bytes(0x80, 2, "}", "(", TorchZips.str("hyper_parameters"),
                "cpytorch_lightning.utilities.parsing\nAttributeDict\n", ")", 0x81, "(",
                TorchZips.str("lr"), "G", TorchZips.bytes(0x3f, 0x50, 0x62, 0x4d, 0xd2, 0xf1,
                        0xa9, 0xfc), "u", "}", "b",
                TorchZips.str("epoch"), "K", 7, "u", ".");
        byte[] zip = TorchZips.zipWith(pkl, Map.of());
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> PthReader.read(Path.of("lt.ckpt"), java.nio.ByteBuffer.wrap(zip)));
        assertTrue(e.getMessage().contains("'pytorch_lightning.utilities.parsing.AttributeDict'"),
                e.getMessage());
        Checkpoint lt = PthReader.read(Path.of("lt.ckpt"), java.nio.ByteBuffer.wrap(zip), true);
        OpaqueObject hp = (OpaqueObject) lt.info().get("hyper_parameters");
        assertEquals("pytorch_lightning.utilities.parsing.AttributeDict", hp.type());
        assertEquals(0.001, hp.get("lr"));
        assertEquals(Map.of(), hp.state());
        assertEquals(7L, lt.info().get("epoch"));
    }

    @Test
    void plainPicklesOfNumpyArraysAreRead() throws Exception {
        // sums computed with numpy from the same arrays
        for (String f : List.of("np_p2.pkl", "np_p4.pkl")) {
            Checkpoint c = WeightFiles.read(WeightFixturesAccess.file(f));
            assertEquals("pickle", c.format());
            assertEquals("model", c.weightsPath());
            Map<String, HostTensor> sd = c.stateDict();
            HostTensor w = sd.get("conv.weight");
            assertEquals(DType.FLOAT32, w.dtype());
            assertArrayEquals(new long[] {4, 3, 3, 3}, w.shape());
            assertEquals(-22.957271047402173, w.stats().sum(), 1e-5);
            assertEquals(90.23070003764464, w.stats().sumsq(), 1e-4);
            assertArrayEquals(new double[] {0, 1, 2, 3}, sd.get("conv.bias").toDoubleArray(), 0);
            assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5},
                    sd.get("fortran").toDoubleArray(), 0);
            assertArrayEquals(new double[] {1, 0, 1}, sd.get("mask").toDoubleArray(), 0);
            assertEquals(DType.UINT8, sd.get("bytes").dtype());
            assertArrayEquals(new long[0], sd.get("scalar0d").shape());
            assertEquals(90000L, c.info().get("iteration"));
            assertEquals(0.02, c.info().get("lr"));
        }
        HostTensor be = WeightFiles.read(WeightFixturesAccess.file("np_be.pkl")).stateDict()
                .get("a");
        assertArrayEquals(new float[] {0, 1, 2}, be.toFloatArray(), 0f);
    }
}
