package dev.freqmed.model.fsanet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.freqmed.backbone.ReferenceFixture;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.LoadReport;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.weights.WeightFiles;
import dev.freqmed.io.weights.WeightImporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsaNetWeightsTest {

    @Test
    void stripsAnyNumberOfModulePrefixes() {
        assertEquals("backbone.norm1.weight", FsaNetWeights.stripModule("backbone.norm1.weight"));
        assertEquals("backbone.norm1.weight",
                FsaNetWeights.stripModule("module.module.backbone.norm1.weight"));
    }

    @Test
    void officialLayoutKeepsOnlyTheModelEntry() throws Exception {
        // {'opech': 100, 'model': {module.* : ...}, 'optimizer': SGD state, 'loss': tensor}
        // written by torch.save (PyTorch 1.13).
        Map<String, HostTensor> keys = FsaNetWeights.networkKeys(WeightFiles.read(
                ReferenceFixture.TESTDATA.resolve("fsanet/official-layout.pth")).tensors());
        assertEquals(java.util.List.of("frequency.radius", "conv2_1.bias"),
                java.util.List.copyOf(keys.keySet()));
        assertEquals(100f, keys.get("frequency.radius").toFloatArray()[0]);
        assertEquals(0.25f, keys.get("conv2_1.bias").toFloatArray()[0]);
    }

    @Test
    void collidingKeysAreRefused() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("module.conv2_1.bias", 1);
        m.put("conv2_1.bias", 2);
        IOException e = assertThrows(IOException.class, () -> FsaNetWeights.networkKeys(m));
        assertTrue(e.getMessage().contains("conv2_1.bias"), e.getMessage());
    }

    @Test
    void importConsumesEveryKeyAndReproducesTheNetwork(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            FsaNet a = new FsaNet(FsaNetConfig.tiny());
            a.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            Map<String, HostTensor> file = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : StateDicts.parameters(a).entrySet()) {
                file.put("module." + e.getKey(), HostTensor.fromNDArray(e.getValue().getArray()));
            }
            Path f = dir.resolve("fsanet.safetensors");
            Safetensors.write(f, file, Map.of());
            FsaNet b = new FsaNet(FsaNetConfig.tiny());
            b.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            LoadReport r = WeightImporter.load(b, WeightFiles.read(f),
                    LoadOptions.strictDefaults());
            assertEquals(file.size(), r.loaded().size());
            NDArray x = m.randomNormal(new Shape(1, 3, 64, 64));
            NDList ya = a.forward(new ParameterStore(m, false), new NDList(x), false);
            NDList yb = b.forward(new ParameterStore(m, false), new NDList(x), false);
            assertEquals(0f, ya.get(0).sub(yb.get(0)).abs().max().getFloat(), 0f);

            // Weights of another width give the mismatch table, not a stack trace.
            FsaNetConfig t = FsaNetConfig.tiny();
            FsaNet wider = new FsaNet(new FsaNetConfig(4, t.pvtDepths(), t.resnetDepths(),
                    t.neckChannels(), t.radius(), t.dropPathRate(), t.trainSize(), t.testSize(),
                    t.scaleRates(), t.weightedBce(), t.strictSize()));
            wider.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WeightImporter.load(wider, WeightFiles.read(f),
                            LoadOptions.strictDefaults()));
            assertTrue(e.getMessage().contains("backbone.patch_embed1.proj.weight"),
                    e.getMessage());
        }
    }
}
