package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.weights.PthWriter;
import dev.freqmed.model.diffusionffpe.DiffusionFfpe;
import dev.freqmed.model.diffusionffpe.DiffusionFfpeConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import-weights --arch diffusion-ffpe --from model.pkl --base DIR}: a synthetic release at
 * the {@code tiny} preset, built from the reference key list of
 * {@code testdata/diffusion-ffpe/reference-keys-tiny.txt} (diffusers/PEFT names, made outside
 * FreqMed) in the layout of the spec §6 — a diffusers folder with the UNet and VAE safetensors,
 * and a {@code model.pkl} ({@code torch.save} zip) with {@code unet_conv_in} (adapter-named
 * LoRA keys), the three UNet LoRA groups, the four VAEs in {@code sd_vae_enc} and again, sharing
 * their storages, in {@code sd_vae_dec} — is imported, loaded as {@code translate} loads it and
 * compared value by value; then bad inputs.
 */
class DiffusionFfpeImportTest {

    @TempDir
    static Path tmp;

    /** What the import must reproduce, by network key. */
    static final Map<String, float[]> EXPECTED = new LinkedHashMap<>();
    static Path base;
    static Path pkl;
    static Path prompts;

    private static Path testdata() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path d = p.resolve("testdata").resolve("diffusion-ffpe");
            if (Files.isDirectory(d)) {
                return d;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("testdata/diffusion-ffpe not found");
    }

    private static HostTensor random(long[] shape, SplittableRandom r) {
        float[] v = new float[(int) HostTensor.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() - 0.5);
        }
        return HostTensor.of(DType.FLOAT32, shape, v);
    }

    /** {@code X.lora_A.weight} as PEFT names it in a live model: {@code X.lora_A.NAME.weight}. */
    private static String adapterNamed(String key, String adapter) {
        return ("." + key).replaceAll("\\.(lora_[AB])\\.weight$", ".$1." + adapter + ".weight")
                .substring(1);
    }

    @BeforeAll
    static void writeRelease() throws IOException {
        Map<String, long[]> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(testdata().resolve("reference-keys-tiny.txt"))) {
            String[] f = line.trim().split(" ");
            keys.put(f[0], Arrays.stream(f[1].split("x")).mapToLong(Long::parseLong).toArray());
        }
        SplittableRandom r = new SplittableRandom(20241204);
        base = tmp.resolve("sd-turbo");
        Map<String, HostTensor> unetBase = new LinkedHashMap<>();
        Map<String, HostTensor> vaeBase = new LinkedHashMap<>();
        Map<String, HostTensor> convIn = new LinkedHashMap<>();
        Map<String, Map<String, HostTensor>> unetGroups = new LinkedHashMap<>();
        for (String g : List.of("sd_encoder", "sd_decoder", "sd_other")) {
            unetGroups.put(g, new LinkedHashMap<>());
        }
        Map<String, HostTensor> vaes = new LinkedHashMap<>();
        Map<String, HostTensor> text = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : keys.entrySet()) {
            String k = e.getKey();
            long[] s = e.getValue();
            if (k.startsWith("unet.")) {
                String m = k.substring("unet.".length());
                if (!m.contains(".lora_")) {
                    // SD-Turbo's weight in the base folder (diffusers name, no PEFT wrapper).
                    HostTensor t = random(s, r);
                    unetBase.put(m.replace(".base_layer.", "."), t);
                    if (!m.startsWith("conv_in.")) {
                        EXPECTED.put(k, t.toFloatArray());
                        continue;
                    }
                    // conv_in is trained in full: model.pkl's value must win.
                    HostTensor trained = random(s, r);
                    convIn.put(m.substring("conv_in.".length()), trained);
                    EXPECTED.put(k, trained.toFloatArray());
                    continue;
                }
                HostTensor t = random(s, r);
                EXPECTED.put(k, t.toFloatArray());
                // reference initialize_unet: down_blocks or conv_in → encoder, up_blocks →
                // decoder, the rest → others
                String g = m.startsWith("down_blocks") || m.startsWith("conv_in") ? "sd_encoder"
                        : m.startsWith("up_blocks") ? "sd_decoder" : "sd_other";
                unetGroups.get(g).put(m, t);
                if (m.startsWith("conv_in.")) {
                    convIn.put(adapterNamed(m.substring("conv_in.".length()),
                            "default_encoder"), t);
                }
            } else if (k.startsWith("vae")) {
                HostTensor t = random(s, r);
                EXPECTED.put(k, t.toFloatArray());
                vaes.put(adapterNamed(k, "vae_skip"), t);
                if (k.startsWith("vae.") && !k.contains(".lora_") && !k.contains("skip_conv")) {
                    // SD-Turbo's VAE: replaced by model.pkl's full VAEs, so any values do.
                    vaeBase.put(k.substring(4).replace(".base_layer.", "."), random(s, r));
                }
            } else if (k.startsWith("text_")) {
                HostTensor t = random(s, r);
                text.put(k, t);
                EXPECTED.put(k, t.toFloatArray());
            }
        }
        Files.createDirectories(base.resolve("unet"));
        Files.createDirectories(base.resolve("vae"));
        Safetensors.write(base.resolve("unet/diffusion_pytorch_model.safetensors"), unetBase,
                Map.of());
        Safetensors.write(base.resolve("vae/diffusion_pytorch_model.safetensors"), vaeBase,
                Map.of());
        // sd_vae_dec registers the same four modules in another order (spec §6).
        Map<String, HostTensor> dec = new LinkedHashMap<>();
        for (String v : List.of("vae.", "vae_b2a.", "vae_patch.", "vae_b2a_patch.")) {
            vaes.forEach((k, t) -> {
                if (k.startsWith(v)) {
                    dec.put(k, t);
                }
            });
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("rank_unet", 8L);
        root.put("unet_conv_in", convIn);
        root.putAll(unetGroups);
        root.put("rank_vae", 4L);
        root.put("sd_vae_enc", vaes);
        root.put("sd_vae_dec", dec);
        pkl = tmp.resolve("model.pkl");
        PthWriter.write(pkl, root);
        assertTrue(convIn.containsKey("lora_A.default_encoder.weight"), convIn.keySet()::toString);
        prompts = tmp.resolve("prompts.safetensors");
        Safetensors.write(prompts, text, Map.of());
    }

    private static String[] run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), args);
        return new String[] {Integer.toString(code), o.toString(), e.toString()};
    }

    private static String[] importInto(Path out, Path from, Path baseDir) {
        return run("import-weights", "--arch", "diffusion-ffpe", "--preset", "tiny", "--from",
                from.toString(), "--base", baseDir.toString(), "--add", prompts.toString(),
                "--out", out.toString());
    }

    @Test
    void releaseImportsOntoTheBaseAndTranslateLoadsIt() throws Exception {
        // The values differ from what the import's target starts with.
        try (NDManager m = NDManager.newBaseManager()) {
            DiffusionFfpe fresh = new DiffusionFfpe(DiffusionFfpeConfig.tiny());
            fresh.initialize(m, DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 3, 64, 64));
            Map<String, NDArray> init = StateDicts.tensors(fresh);
            for (Map.Entry<String, float[]> e : EXPECTED.entrySet()) {
                assertFalse(Arrays.equals(init.get(e.getKey()).toFloatArray(), e.getValue()),
                        e.getKey() + " already holds the release's values");
            }
        }
        Path out = tmp.resolve("imported");
        String[] r = importInto(out, pkl, base);
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("diffusion-ffpe checkpoint written"), r[1]);
        try (LoadedModel lm = LoadedModel.load(out, Device.cpu(), "diffusion-ffpe")) {
            Map<String, NDArray> got = StateDicts.tensors(lm.network());
            for (Map.Entry<String, float[]> e : EXPECTED.entrySet()) {
                assertArrayEquals(e.getValue(), got.get(e.getKey()).toFloatArray(), 0f,
                        e.getKey());
            }
            assertEquals(List.of("cv_trunk.*", "net_disc_a.*", "net_disc_b.*"),
                    lm.manifest().extra().get("notInRelease"));
            assertEquals("sd-turbo", lm.manifest().extra().get("base"));
        }
        Path img = tmp.resolve("tile.png");
        BufferedImage bi = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                bi.setRGB(x, y, (200 - x) << 16 | (90 + y) << 8 | (120 + (x ^ y) % 100));
            }
        }
        ImageIO.write(bi, "png", img.toFile());
        Path translated = tmp.resolve("translated");
        String[] t = run("translate", "--model", out.toString(), "--input", img.toString(),
                "--output", translated.toString(), "--deterministic");
        assertEquals("0", t[0], t[2]);
        BufferedImage res = ImageIO.read(translated.resolve("images/tile.png").toFile());
        assertEquals(64, res.getWidth());
    }

    @Test
    void aBaseFolderThatIsNotSdTurboIsListedAndNothingIsWritten() throws Exception {
        Path bad = tmp.resolve("not-sd-turbo");
        Files.createDirectories(bad.resolve("unet"));
        Files.createDirectories(bad.resolve("vae"));
        Files.copy(base.resolve("vae/diffusion_pytorch_model.safetensors"),
                bad.resolve("vae/diffusion_pytorch_model.safetensors"));
        Map<String, HostTensor> unet = new LinkedHashMap<>(
                Safetensors.read(base.resolve("unet/diffusion_pytorch_model.safetensors"))
                        .tensors());
        unet.remove("mid_block.resnets.0.conv1.weight");
        unet.put("conv_out.weight", HostTensor.of(DType.FLOAT32, new long[] {4, 32, 1, 1},
                new float[128]));
        unet.put("add_embedding.linear_1.weight", HostTensor.of(DType.FLOAT32,
                new long[] {2, 2}, new float[4]));
        Safetensors.write(bad.resolve("unet/diffusion_pytorch_model.safetensors"), unet,
                Map.of());
        Path out = tmp.resolve("from-bad-base");
        String[] r = importInto(out, pkl, bad);
        assertNotEquals("0", r[0]);
        String msg = r[2];
        assertTrue(msg.contains(bad.resolve("unet/diffusion_pytorch_model.safetensors")
                .toString()), msg);
        assertTrue(msg.contains("unet.mid_block.resnets.0.conv1.base_layer.weight"), msg);
        assertTrue(msg.contains("conv_out.weight (4, 32, 1, 1)"), msg);
        assertTrue(msg.contains("add_embedding.linear_1.weight"), msg);
        assertFalse(Files.exists(out), "nothing may be written");
        Path noVae = tmp.resolve("no-vae");
        Files.createDirectories(noVae.resolve("unet"));
        Files.copy(base.resolve("unet/diffusion_pytorch_model.safetensors"),
                noVae.resolve("unet/diffusion_pytorch_model.safetensors"));
        r = importInto(out, pkl, noVae);
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("vae/diffusion_pytorch_model.safetensors: missing"), r[2]);
        assertFalse(Files.exists(out));
    }

    @Test
    void aModelPklHoldingCodeIsRefusedByName() throws Exception {
        Path malicious = testdata().getParent().resolve("weights/malicious.pth");
        Path out = tmp.resolve("from-code");
        String[] r = importInto(out, malicious, base);
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("malicious.pth"), r[2]);
        assertTrue(r[2].contains("system"), r[2]);
        assertFalse(Files.exists(out));
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("from-code")));
        }
    }

    @Test
    void aModelPklOfAnotherRankIsRefused() throws Exception {
        Path out = tmp.resolve("other-rank");
        String[] r = run("import-weights", "--arch", "diffusion-ffpe", "--preset", "tiny",
                "--set", "unetRank=16", "--from", pkl.toString(), "--base", base.toString(),
                "--out", out.toString());
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("rank_unet") && r[2].contains("unetRank is 16"), r[2]);
        assertFalse(Files.exists(out));
    }
}
