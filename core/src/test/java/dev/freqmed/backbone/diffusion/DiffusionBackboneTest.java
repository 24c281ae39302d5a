package dev.freqmed.backbone.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.freqmed.io.StateDicts;
import dev.freqmed.nn.LoraConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The diffusers-shaped backbones: SD-Turbo sizes counted from shapes alone (no weight allocated)
 * against the totals of the Diffusion-FFPE spec §6, PEFT's LoRA targeting against the spec's
 * module and parameter counts (§2.3), the one-step DDPM constants and the timestep embedding
 * against torch 1.13 float32 values, and a tiny UNet and VAE that initialise to the declared
 * shapes and run.
 */
class DiffusionBackboneTest {

    /** The UNet's PEFT target modules of Diffusion-FFPE (spec §2.3). */
    static final List<String> UNET_TARGETS = List.of("to_k", "to_q", "to_v", "to_out.0", "conv",
            "conv1", "conv2", "conv_in", "conv_shortcut", "conv_out", "proj_out", "proj_in",
            "ff.net.2", "ff.net.0.proj");
    /** The VAE's targets (spec §2.3). */
    static final List<String> VAE_TARGETS = List.of("conv1", "conv2", "conv_in",
            "conv_shortcut", "conv", "conv_out", "skip_conv_1", "skip_conv_2", "skip_conv_3",
            "skip_conv_4", "to_k", "to_q", "to_v", "to_out.0");

    private static long count(Block b, boolean lora) {
        long n = 0;
        for (Map.Entry<String, Parameter> e : StateDicts.parameters(b).entrySet()) {
            assertFalse(e.getValue().isInitialized(), e.getKey() + " was allocated");
            if (e.getKey().contains("lora_") == lora) {
                n += e.getValue().getShape().size();
            }
        }
        return n;
    }

    private static long modules(Block b) {
        return StateDicts.parameters(b).keySet().stream()
                .filter(k -> k.endsWith("lora_A.weight")).count();
    }

    @Test
    void sdTurboSizesAreCountedFromShapesWithoutAllocating() {
        Block unet = new UNet2dCondition(SdLayers.plain(), UNet2dConditionConfig.sdTurbo());
        assertEquals(865_910_724L, count(unet, false));
        Block vae = new AutoencoderKl(SdLayers.plain(), AutoencoderKlConfig.sd(), false);
        assertEquals(83_653_863L, count(vae, false));
        Block vaeSkips = new AutoencoderKl(SdLayers.plain(), AutoencoderKlConfig.sd(), true);
        assertEquals(84_145_383L, count(vaeSkips, false));
        Map<String, Parameter> p = StateDicts.parameters(unet);
        assertEquals(new Shape(1280, 1920, 3, 3),
                p.get("up_blocks.1.resnets.2.conv1.weight").getShape());
        assertEquals(new Shape(10240, 1280),
                p.get("mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight")
                        .getShape());
        assertEquals(new Shape(640, 1024),
                p.get("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight")
                        .getShape());
    }

    @Test
    void loraTargetsMatchPeftCounts() {
        SdLayers unetLora = new SdLayers(new LoraConfig(128, 128, 0,
                LoraConfig.Initialization.GAUSSIAN), UNET_TARGETS, "conv_in"::equals);
        Block unet = new UNet2dCondition(unetLora, UNet2dConditionConfig.sdTurbo());
        assertEquals(258, modules(unet));
        assertEquals(129_782_784L, count(unet, true));
        assertEquals(865_910_724L, count(unet, false));
        Map<String, Parameter> p = StateDicts.parameters(unet);
        assertEquals(new Shape(128, 1920, 3, 3),
                p.get("up_blocks.1.resnets.2.conv1.lora_A.weight").getShape());
        assertTrue(p.get("conv_in.base_layer.weight").requiresGradient());
        assertFalse(p.get("down_blocks.0.resnets.0.conv1.base_layer.weight").requiresGradient());
        assertFalse(p.containsKey("time_embedding.linear_1.lora_A.weight"));
        assertFalse(p.containsKey("down_blocks.0.resnets.0.time_emb_proj.lora_A.weight"));
        SdLayers vaeLora = new SdLayers(new LoraConfig(4, 8, 0,
                LoraConfig.Initialization.GAUSSIAN), VAE_TARGETS, k -> false);
        Block vae = new AutoencoderKl(vaeLora, AutoencoderKlConfig.sd(), true);
        assertEquals(74, modules(vae));
        assertEquals(893_224L, count(vae, true));
        assertEquals(new Shape(4, 128, 1, 1), StateDicts.parameters(vae)
                .get("decoder.skip_conv_4.lora_A.weight").getShape());
    }

    @Test
    void oneStepConstantsAreTorchFloat32() {
        // torch 1.13: linspace(0.00085**0.5, 0.012**0.5, 1000, float32)**2, cumprod(1 - b).
        // torch's vectorised linspace rounds the last bit of some betas differently, so the
        // product may differ by an ulp (4.7e-10 here).
        assertEquals(0.0046600960195064545f, OneStepDdpm.alphaBar(), 1e-9f);
        assertEquals(0.9991499781608582f, OneStepDdpm.alphasCumprod()[0], 0f);
        assertEquals(0.2763324975967407f, OneStepDdpm.alphasCumprod()[500], 1e-7f);
        assertEquals(0.06826489418745041f, OneStepDdpm.sqrtAlphaBar(), 1e-8f);
        assertEquals(0.9976672530174255f, OneStepDdpm.sqrtOneMinusAlphaBar(), 1e-7f);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.create(new float[] {1f, 0f, 2f});
            NDArray eps = m.create(new float[] {0f, 1f, 1f});
            float[] x0 = OneStepDdpm.step(eps, z).toFloatArray();
            // Spec §3.3: x0 ≈ 14.6488·z − 14.6146·ε.
            assertEquals(14.6488f, x0[0], 1e-3f);
            assertEquals(-14.6146f, x0[1], 1e-3f);
            assertEquals(2 * 14.6488f - 14.6146f, x0[2], 2e-3f);
            float[] e = UNet2dCondition.timestepEmbedding(m, new float[] {999f}, 320)
                    .toFloatArray();
            // torch 1.13 get_timestep_embedding(999, 320, flip_sin_to_cos=True), float32.
            assertEquals(0.9996498227119446f, e[0], 2e-4f);
            assertEquals(0.8026775121688843f, e[1], 2e-4f);
            assertEquals(-0.2780621349811554f, e[2], 2e-4f);
            assertEquals(0.1056220605969429f, e[319], 2e-5f);
        }
    }

    @Test
    void tinyBackbonesInitialiseToTheirDeclaredShapesAndRun() {
        UNet2dConditionConfig uc = new UNet2dConditionConfig(4, 4, List.of(32, 64), 1,
                List.of(1, 2), List.of(true, false), 16, 8);
        AutoencoderKlConfig vc = new AutoencoderKlConfig(3, 3, 4, List.of(16, 32), 1, 8,
                0.18215);
        SdLayers layers = new SdLayers(LoraConfig.of(2, 4), UNET_TARGETS, k -> false);
        Block unet = new UNet2dCondition(layers, uc);
        Block vae = new AutoencoderKl(layers, vc, true);
        Map<String, Shape> declared = new LinkedHashMap<>();
        StateDicts.parameters(unet).forEach((k, v) -> declared.put("u." + k, v.getShape()));
        StateDicts.parameters(vae).forEach((k, v) -> declared.put("v." + k, v.getShape()));
        try (NDManager m = NDManager.newBaseManager()) {
            unet.initialize(m, DataType.FLOAT32, new Shape(1, 4, 8, 8));
            vae.initialize(m, DataType.FLOAT32, new Shape(1, 3, 16, 16));
            Map<String, Shape> actual = new LinkedHashMap<>();
            StateDicts.parameters(unet).forEach((k, v) -> actual.put("u." + k,
                    v.getArray().getShape()));
            StateDicts.parameters(vae).forEach((k, v) -> actual.put("v." + k,
                    v.getArray().getShape()));
            assertEquals(declared, actual);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray z = m.randomNormal(new Shape(2, 4, 8, 8));
            NDArray out = unet.forward(ps, new NDList(z, m.create(new float[] {999f, 999f}),
                    m.randomNormal(new Shape(2, 5, 16))), false).head();
            assertEquals(new Shape(2, 4, 8, 8), out.getShape());
            NDArray img = vae.forward(ps, new NDList(m.randomNormal(new Shape(1, 3, 16, 16))),
                    false).head();
            assertEquals(new Shape(1, 3, 16, 16), img.getShape());
            assertTrue(Float.isFinite(out.abs().sum().getFloat()));
            assertTrue(Float.isFinite(img.abs().sum().getFloat()));
        }
    }
}
