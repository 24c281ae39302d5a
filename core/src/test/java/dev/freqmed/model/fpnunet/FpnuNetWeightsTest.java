package dev.freqmed.model.fpnunet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.LoadReport;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.WeightImporter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SAM and UNI files map onto FPNuNet's keys with the spec's resizes and drops (§9.2). */
class FpnuNetWeightsTest {

    private static HostTensor ramp(long... shape) {
        float[] v = new float[(int) HostTensor.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(0.01 * i) + i * 1e-6f;
        }
        return HostTensor.of(DType.FLOAT32, shape, v);
    }

    @Test
    void samFileLoadsWithResizedPositionsAndDroppedPatchEmbedding() throws Exception {
        Map<String, HostTensor> sam = new LinkedHashMap<>();
        sam.put("image_encoder.patch_embed.proj.weight", ramp(768, 3, 16, 16));
        sam.put("image_encoder.pos_embed", ramp(1, 64, 64, 768));
        for (int b = 0; b < 2; b++) {
            String p = "image_encoder.blocks." + b + ".";
            sam.put(p + "norm1.weight", ramp(768));
            sam.put(p + "attn.qkv.weight", ramp(2304, 768));
            sam.put(p + "attn.rel_pos_h", ramp(b == 1 ? 127 : 27, 64));
            sam.put(p + "attn.rel_pos_w", ramp(b == 1 ? 127 : 27, 64));
        }
        sam.put("prompt_encoder.pe_layer.positional_encoding_gaussian_matrix", ramp(2, 128));
        Checkpoint file = new Checkpoint(Path.of("sam_vit_b_01ec64.pth"), "pth", sam, Map.of());
        try (NDManager m = NDManager.newBaseManager()) {
            FpnuNet net = new FpnuNet(FpnuNetFixtures.keyCheck());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 128, 128));
            float[] patchBefore = StateDicts.parameters(net)
                    .get("sam.image_encoder.patch_embed.proj.weight").getArray().toFloatArray();
            LoadReport r = WeightImporter.load(net, file, LoadOptions.strictDefaults()
                    .withAllowMissing("*"));
            assertEquals(9, r.loaded().size(), r.table());
            var params = StateDicts.parameters(net);
            assertArrayEquals(patchBefore, params.get("sam.image_encoder.patch_embed.proj.weight")
                    .getArray().toFloatArray(), "the 8x8 patch embedding stays random");
            float[] pos = params.get("sam.image_encoder.pos_embed").getArray().toFloatArray();
            float[] src = sam.get("image_encoder.pos_embed").toFloatArray();
            // Scale 4: bilinear (align_corners=False) averages source rows/cols 4i+1 and 4i+2.
            int i = 3;
            int j = 5;
            int c = 17;
            double want = 0;
            for (int y : new int[] {4 * i + 1, 4 * i + 2}) {
                for (int x : new int[] {4 * j + 1, 4 * j + 2}) {
                    want += src[(y * 64 + x) * 768 + c] / 4.0;
                }
            }
            assertEquals(want, pos[(i * 16 + j) * 768 + c], 1e-5);
            assertEquals(new Shape(31, 64), params.get("sam.image_encoder.blocks.1.attn.rel_pos_h")
                    .getArray().getShape());
            assertArrayEquals(sam.get("image_encoder.blocks.0.attn.rel_pos_w").toFloatArray(),
                    params.get("sam.image_encoder.blocks.0.attn.rel_pos_w").getArray()
                            .toFloatArray());
            assertFalse(r.loaded().contains("sam.image_encoder.patch_embed.proj.weight"));
        }
    }

    @Test
    void uniFileDropsLayerScaleAndKeepsTheClsRow() throws Exception {
        Map<String, HostTensor> uni = new LinkedHashMap<>();
        uni.put("cls_token", ramp(1, 1, 1024));
        uni.put("pos_embed", ramp(1, 197, 1024));
        uni.put("patch_embed.proj.weight", ramp(1024, 3, 16, 16));
        uni.put("blocks.0.attn.qkv.weight", ramp(3072, 1024));
        uni.put("blocks.0.ls1.gamma", ramp(1024));
        uni.put("blocks.0.ls2.gamma", ramp(1024));
        uni.put("norm.weight", ramp(1024));
        Checkpoint file = new Checkpoint(Path.of("pytorch_model.bin"), "pth", uni, Map.of());
        try (NDManager m = NDManager.newBaseManager()) {
            FpnuNet net = new FpnuNet(FpnuNetFixtures.keyCheck());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 128, 128));
            LoadReport r = WeightImporter.load(net, file, LoadOptions.strictDefaults()
                    .withAllowMissing("*"));
            assertEquals(4, r.loaded().size(), r.table());
            float[] pos = StateDicts.parameters(net).get("extra_encoder.model.pos_embed")
                    .getArray().toFloatArray();
            float[] src = uni.get("pos_embed").toFloatArray();
            assertEquals(257 * 1024, pos.length);
            for (int c = 0; c < 1024; c++) {
                assertEquals(src[c], pos[c]);
            }
            assertTrue(r.loaded().contains("extra_encoder.model.blocks.0.attn.qkv.weight"));
        }
    }
}
