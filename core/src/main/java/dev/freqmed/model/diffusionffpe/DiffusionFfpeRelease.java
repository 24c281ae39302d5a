package dev.freqmed.model.diffusionffpe;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.WeightFormatException;
import dev.freqmed.io.weights.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The released Diffusion-FFPE weights (spec §6) under this network's keys: the SD-Turbo base
 * weights from a diffusers folder the user supplies, and the trained parts from the authors'
 * {@code model.pkl}.
 *
 * <p><b>Base folder</b> (diffusers layout): {@code unet/diffusion_pytorch_model.safetensors} gives
 * every UNet weight ({@code conv1.weight} of a LoRA-wrapped module becomes
 * {@code unet.….conv1.base_layer.weight}); {@code vae/diffusion_pytorch_model.safetensors} gives
 * the four VAEs ({@code vae}, {@code vae_b2a}, {@code vae_patch}, {@code vae_b2a_patch}: the
 * reference deep-copies one SD-Turbo VAE into all four before loading {@code model.pkl}). The
 * {@code .fp16.safetensors} variants are used when the float32 files are absent; the older
 * attention names of diffusers VAEs ({@code query}, {@code key}, {@code value},
 * {@code proj_attn}, possibly as 1×1 convolution kernels) are accepted. The text encoder,
 * tokenizer and scheduler folders are not read (the one-step scheduler's constants are FreqMed's
 * own, {@code OneStepDdpm}).
 *
 * <p><b>{@code model.pkl}</b> ({@code torch.save} of a dict; reference {@code model.py}
 * {@code load_ckpt_from_state_dict}): {@code rank_unet} and {@code rank_vae} must equal the
 * config's ranks; {@code unet_conv_in} is the LoRA-wrapped {@code conv_in} state dict
 * ({@code base_layer.*}, {@code lora_A.default_encoder.weight}, …); {@code sd_encoder},
 * {@code sd_decoder}, {@code sd_other} hold the UNet LoRA weights with the adapter name already
 * stripped; {@code sd_vae_enc} and {@code sd_vae_dec} hold the four VAEs in full (base weights,
 * skip convolutions, LoRA under {@code lora_A.vae_skip.weight}). They are applied in the
 * reference's order ({@code unet_conv_in}, the three UNet groups, {@code sd_vae_enc},
 * {@code sd_vae_dec}), a later value replacing an earlier one.
 *
 * <p>Not in a release: the prompt embeddings {@code text_a2b}/{@code text_b2a} (CLIP's encoding
 * of the prompts, which FreqMed does not compute; give them as a further file or accept random
 * tables), and the discriminators ({@code cv_trunk.*} is CONCH, {@code net_disc_*} live in the
 * training state), which translation does not use.
 */
final class DiffusionFfpeRelease {

    /** Where the base weights are in a diffusers folder. */
    static final String UNET_FILE = "unet/diffusion_pytorch_model";
    /** Where the VAE weights are in a diffusers folder. */
    static final String VAE_FILE = "vae/diffusion_pytorch_model";
    /** The four VAEs of the network, each loaded from the one base VAE. */
    static final List<String> VAES = List.of("vae", "vae_b2a", "vae_patch", "vae_b2a_patch");
    /** The entries of {@code model.pkl}. */
    static final List<String> PKL_KEYS = List.of("rank_unet", "rank_vae", "unet_conv_in",
            "sd_encoder", "sd_decoder", "sd_other", "sd_vae_enc", "sd_vae_dec");

    private static final Pattern ADAPTER = Pattern.compile("\\.(lora_[AB])\\.[^.]+\\.weight$");
    private static final Map<String, String> LEGACY_ATTENTION = Map.of(".query.", ".to_q.",
            ".key.", ".to_k.", ".value.", ".to_v.", ".proj_attn.", ".to_out.0.");
    private static final int LISTED = 20;

    private final DiffusionFfpeConfig config;
    private final Map<String, long[]> declared = new LinkedHashMap<>();

    DiffusionFfpeRelease(DiffusionFfpe network) {
        this.config = network.config();
        for (Map.Entry<String, Parameter> e : StateDicts.parameters(network).entrySet()) {
            Parameter p = e.getValue();
            Shape s = p.isInitialized() ? p.getArray().getShape() : p.getShape();
            declared.put(e.getKey(), s == null ? null : s.getShape());
        }
    }

    /** See {@link dev.freqmed.io.weights.BaseModelRelease#notReleased()}. */
    static List<String> notReleased() {
        return List.of("cv_trunk.*", "net_disc_a.*", "net_disc_b.*");
    }

    /**
     * The base folder's and {@code model.pkl}'s tensors under network keys (see the class
     * comment).
     *
     * @throws IOException naming the file: a missing base file, base keys missing, mis-shaped or
     *     unknown, a {@code model.pkl} without the expected entries, of other ranks, or with keys
     *     this network does not have
     */
    Map<String, HostTensor> toNetworkKeys(Path base, Checkpoint trained) throws IOException {
        if (!Files.isDirectory(base)) {
            throw new IOException(base + ": not a folder (expected " + description() + ")");
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Path unetFile = baseFile(base, UNET_FILE);
        Problems unet = new Problems(unetFile);
        Map<String, HostTensor> unetBase = Safetensors.read(unetFile).tensors();
        for (Map.Entry<String, HostTensor> e : unetBase.entrySet()) {
            unet.place(out, "unet.", e.getKey(), e.getValue());
        }
        unet.requireAll(out, k -> k.startsWith("unet.") && !k.contains(".lora_"));
        unet.throwIfAny();
        Path vaeFile = baseFile(base, VAE_FILE);
        Problems vae = new Problems(vaeFile);
        Map<String, HostTensor> vaeBase = Safetensors.read(vaeFile).tensors();
        for (Map.Entry<String, HostTensor> e : vaeBase.entrySet()) {
            String key = legacyAttention(e.getKey());
            HostTensor t = e.getValue();
            for (String prefix : VAES) {
                long[] want = declared.get(networkKey(prefix + ".", key));
                if (want != null && t.shape().length == 4 && want.length == 2
                        && t.shape()[2] == 1 && t.shape()[3] == 1) {
                    t = t.reshape(t.shape()[0], t.shape()[1]);
                }
                vae.place(out, prefix + ".", key, t);
            }
        }
        vae.requireAll(out, k -> VAES.stream().anyMatch(v -> k.startsWith(v + "."))
                && !k.contains(".lora_") && !k.contains(".skip_conv_"));
        vae.throwIfAny();
        trained(trained, out);
        return out;
    }

    /** What the base folder must be. */
    static String description() {
        return "an SD-Turbo diffusers folder with " + UNET_FILE + ".safetensors and " + VAE_FILE
                + ".safetensors";
    }

    private void trained(Checkpoint pkl, Map<String, HostTensor> out) throws IOException {
        Path file = pkl.source();
        if (!(pkl.root() instanceof Map<?, ?> root)) {
            throw new WeightFormatException(file, "not a Diffusion-FFPE model.pkl: expected a"
                    + " dict with " + PKL_KEYS + ", found " + describe(pkl.root()));
        }
        List<String> absent = new ArrayList<>();
        for (String k : PKL_KEYS) {
            if (!root.containsKey(k)) {
                absent.add(k);
            }
        }
        if (!absent.isEmpty()) {
            throw new WeightFormatException(file, "not a Diffusion-FFPE model.pkl: missing "
                    + absent + " (found " + root.keySet() + ")");
        }
        rank(file, root, "rank_unet", config.unetRank(), "unetRank");
        rank(file, root, "rank_vae", config.vaeRank(), "vaeRank");
        Problems p = new Problems(file);
        apply(p, root, "unet_conv_in", "unet.conv_in.", out);
        for (String group : List.of("sd_encoder", "sd_decoder", "sd_other")) {
            apply(p, root, group, "unet.", out);
        }
        apply(p, root, "sd_vae_enc", "", out);
        apply(p, root, "sd_vae_dec", "", out);
        p.requireAll(out, k -> k.contains(".lora_") || k.contains(".skip_conv_"));
        p.throwIfAny();
    }

    private static void rank(Path file, Map<?, ?> root, String key, int expected, String field)
            throws IOException {
        Object v = root.get(key);
        if (!(v instanceof Long l) || l != expected) {
            throw new WeightFormatException(file, key + " is " + describe(v)
                    + " but the config's " + field + " is " + expected
                    + " (set it with --set " + field + "=" + v + ")");
        }
    }

    private static void apply(Problems p, Map<?, ?> root, String group, String prefix,
            Map<String, HostTensor> out) throws IOException {
        Object v = root.get(group);
        if (!(v instanceof Map<?, ?> m)) {
            throw new WeightFormatException(p.file, group + ": expected a state dict, found "
                    + describe(v));
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!(e.getValue() instanceof HostTensor t)) {
                throw new WeightFormatException(p.file, group + "." + key
                        + ": expected a tensor, found " + describe(e.getValue()));
            }
            String dotted = "." + key;
            Matcher a = ADAPTER.matcher(dotted);
            String plain = (a.find() ? dotted.substring(0, a.start()) + "." + a.group(1)
                    + ".weight" : dotted).substring(1);
            p.place(out, prefix, plain, t, group + "." + key);
        }
    }

    private static Path baseFile(Path base, String stem) throws IOException {
        Path f32 = base.resolve(stem + ".safetensors");
        if (Files.isRegularFile(f32)) {
            return f32;
        }
        Path f16 = base.resolve(stem + ".fp16.safetensors");
        if (Files.isRegularFile(f16)) {
            return f16;
        }
        throw new IOException(f32 + ": missing; --base must be " + description());
    }

    private static String legacyAttention(String key) {
        if (!key.contains(".attentions.")) {
            return key;
        }
        for (Map.Entry<String, String> e : LEGACY_ATTENTION.entrySet()) {
            int i = key.lastIndexOf(e.getKey());
            if (i >= 0 && key.indexOf('.', i + e.getKey().length()) < 0) {
                return key.substring(0, i) + e.getValue() + key.substring(i + e.getKey().length());
            }
        }
        return key;
    }

    /** The network key of a file key: as is, or the base layer of a LoRA-wrapped module. */
    private String networkKey(String prefix, String key) {
        String k = prefix + key;
        if (declared.containsKey(k)) {
            return k;
        }
        int dot = key.lastIndexOf('.');
        if (dot > 0) {
            String wrapped = prefix + key.substring(0, dot) + ".base_layer" + key.substring(dot);
            if (declared.containsKey(wrapped)) {
                return wrapped;
            }
        }
        return k;
    }

    private static String describe(Object v) {
        return v == null ? "nothing" : v instanceof Long || v instanceof String ? v.toString()
                : v instanceof HostTensor t ? "a tensor " + dims(t.shape())
                : v instanceof Map ? "a dict" : v instanceof List ? "a list"
                : v.getClass().getSimpleName() + " " + v;
    }

    private static String dims(long[] s) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < s.length; i++) {
            b.append(i == 0 ? "" : ", ").append(s[i]);
        }
        return b.append(s.length == 1 ? ",)" : ")").toString();
    }

    /** Missing, mis-shaped and unknown keys of one file, reported together. */
    private final class Problems {
        final Path file;
        final List<String> filled = new ArrayList<>();
        final List<String> unknown = new ArrayList<>();
        final List<String> misShaped = new ArrayList<>();
        final java.util.Set<String> misShapedKeys = new java.util.HashSet<>();
        final List<String> missing = new ArrayList<>();

        Problems(Path file) {
            this.file = file;
        }

        void place(Map<String, HostTensor> out, String prefix, String key, HostTensor t) {
            place(out, prefix, key, t, key);
        }

        void place(Map<String, HostTensor> out, String prefix, String key, HostTensor t,
                String fileKey) {
            String k = networkKey(prefix, key);
            if (!declared.containsKey(k)) {
                if (!unknown.contains(fileKey)) {
                    unknown.add(fileKey);
                }
                return;
            }
            long[] want = declared.get(k);
            if (want != null && !Arrays.equals(want, t.shape())) {
                String m = fileKey + " " + dims(t.shape()) + ", network " + k + " "
                        + dims(want);
                if (!misShaped.contains(m)) {
                    misShaped.add(m);
                }
                misShapedKeys.add(k);
                return;
            }
            out.put(k, t);
            filled.add(k);
        }

        void requireAll(Map<String, HostTensor> out, java.util.function.Predicate<String> which) {
            for (String k : declared.keySet()) {
                if (which.test(k) && !out.containsKey(k) && !misShapedKeys.contains(k)) {
                    missing.add(k);
                }
            }
        }

        void throwIfAny() throws IOException {
            if (unknown.isEmpty() && misShaped.isEmpty() && missing.isEmpty()) {
                return;
            }
            StringBuilder b = new StringBuilder("does not hold the weights this "
                    + "diffusion-ffpe network needs");
            list(b, "missing (network keys)", missing);
            list(b, "wrong shape", misShaped);
            list(b, "unknown keys", unknown);
            throw new WeightFormatException(file, b.toString());
        }

        private void list(StringBuilder b, String what, List<String> keys) {
            if (keys.isEmpty()) {
                return;
            }
            b.append(String.format(Locale.ROOT, "%n  %s (%d):", what, keys.size()));
            for (int i = 0; i < Math.min(LISTED, keys.size()); i++) {
                b.append("\n    ").append(keys.get(i));
            }
            if (keys.size() > LISTED) {
                b.append(String.format(Locale.ROOT, "%n    ... and %d more",
                        keys.size() - LISTED));
            }
        }
    }
}
