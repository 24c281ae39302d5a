package dev.freqmed.model.diffusionffpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.LoadReport;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.WeightImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CONCH's trunk becomes the discriminators' frozen ViT, its position table resampled (§4, §9). */
class ConchTrunkWeightsTest {

    private static HostTensor table(int grid, int d) {
        int n = 1 + grid * grid;
        float[] v = new float[n * d];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < d; c++) {
                v[t * d + c] = (float) (Math.sin(0.37 * t + 0.11 * c)
                        + 0.1 * Math.cos(1.3 * c * t + 0.2));
            }
        }
        return HostTensor.of(DType.FLOAT32, new long[] {1, n, d}, v);
    }

    private static HostTensor ramp(long... shape) {
        float[] v = new float[(int) HostTensor.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.cos(0.003 * i);
        }
        return HostTensor.of(DType.FLOAT32, shape, v);
    }

    /** 28 x 28 to 14 x 14 as timm does for CONCH on 224² inputs (PyTorch's numbers). */
    @Test
    void positionTableMatchesTorchAntialiasedBicubic() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", "testdata", "diffusion-ffpe",
                "pos_resample_28_to_14.txt"));
        float[] expected = readFloats(lines);
        Map<String, HostTensor> conch = Map.of("visual.trunk.pos_embed", table(28, 3));
        HostTensor r = ConchTrunkWeights.toNetworkKeys(conch, 14, Path.of("pytorch_model.bin"))
                .get("cv_trunk.pos_embed");
        assertArrayEquals(new long[] {1, 197, 3}, r.shape());
        float[] got = r.toFloatArray();
        float[] src = conch.get("visual.trunk.pos_embed").toFloatArray();
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - expected[i]));
        }
        assertTrue(worst < 2e-6, "max difference from PyTorch " + worst);
        // The class-token row is kept and the grid really changed (not a plain subsample).
        assertEquals(src[0], got[0]);
        assertTrue(Math.abs(got[3] - src[3]) > 1e-3);
    }

    private static float[] readFloats(List<String> lines) {
        List<Float> v = new java.util.ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("#")) {
                continue;
            }
            for (String s : l.trim().split(" ")) {
                v.add(Float.valueOf(s));
            }
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    /**
     * A CONCH-shaped file (trunk on a 16 x 16 grid, the poolers and the text tower beside it)
     * loads into the tiny network's 8 x 8 trunk through model.init's importer: every trunk tensor
     * lands, nothing else is read.
     */
    @Test
    void conchFileFillsTheTrunkOnly() throws Exception {
        DiffusionFfpeConfig c = DiffusionFfpeConfig.tiny();
        int d = c.vitDim();
        Map<String, HostTensor> conch = new LinkedHashMap<>();
        conch.put("visual.trunk.cls_token", ramp(1, 1, d));
        conch.put("visual.trunk.pos_embed", table(16, d));
        conch.put("visual.trunk.patch_embed.proj.weight", ramp(d, 3, c.vitPatch(), c.vitPatch()));
        conch.put("visual.trunk.patch_embed.proj.bias", ramp(d));
        conch.put("visual.trunk.blocks.0.attn.qkv.weight", ramp(3L * d, d));
        conch.put("visual.trunk.norm.weight", ramp(d));
        conch.put("visual.attn_pool_contrast.q", ramp(1, d));
        conch.put("text.token_embedding.weight", ramp(10, d));
        conch.put("logit_scale", ramp(1));
        Checkpoint file = new Checkpoint(Path.of("pytorch_model.bin"), "pth", conch, Map.of());
        DiffusionFfpe net = new DiffusionFfpe(c);
        try (NDManager m = NDManager.newBaseManager()) {
            net.initialize(m, DataType.FLOAT32, new DiffusionFfpeTask(c).inputShape());
            var params = StateDicts.parameters(net);
            float[] before = params.get("cv_trunk.blocks.0.attn.qkv.weight").getArray()
                    .toFloatArray();
            assertFalse(java.util.Arrays.equals(before,
                    conch.get("visual.trunk.blocks.0.attn.qkv.weight").toFloatArray()));
            LoadReport r = WeightImporter.load(net, file, LoadOptions.strictDefaults()
                    .withAllowMissing("*"));
            assertEquals(6, r.loaded().size(), r.table());
            assertTrue(r.unexpected().isEmpty(), r.table());
            assertArrayEquals(conch.get("visual.trunk.blocks.0.attn.qkv.weight").toFloatArray(),
                    params.get("cv_trunk.blocks.0.attn.qkv.weight").getArray().toFloatArray());
            int grid = c.vitImage() / c.vitPatch();
            assertEquals(1L + grid * grid, params.get("cv_trunk.pos_embed").getArray().getShape()
                    .get(1));
        }
    }

    @Test
    void aTableThatIsNotASquareGridIsNamed() {
        Map<String, HostTensor> conch = Map.of("visual.trunk.pos_embed", ramp(1, 51, 4));
        IOException e = assertThrows(IOException.class, () -> ConchTrunkWeights.toNetworkKeys(
                conch, 7, Path.of("conch", "pytorch_model.bin")));
        assertTrue(e.getMessage().contains("pytorch_model.bin")
                && e.getMessage().contains("pos_embed"), e.getMessage());
    }
}
