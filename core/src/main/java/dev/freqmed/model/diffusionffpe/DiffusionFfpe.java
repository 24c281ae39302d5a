package dev.freqmed.model.diffusionffpe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.freqmed.backbone.diffusion.AutoencoderKl;
import dev.freqmed.backbone.diffusion.OneStepDdpm;
import dev.freqmed.backbone.diffusion.SdBlock;
import dev.freqmed.backbone.diffusion.SdLayers;
import dev.freqmed.backbone.diffusion.UNet2dCondition;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.weights.BaseModelRelease;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.WeightNameTable;
import dev.freqmed.model.HeldParameters;
import dev.freqmed.nn.LoraConfig;
import dev.freqmed.nn.ParameterViews;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Init;
import dev.freqmed.tensor.Scalars;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The Diffusion-FFPE network (spec §2–§4): the generator of both directions and the two
 * vision-aided discriminators, in one block so that one checkpoint holds everything a resumed run
 * needs.
 *
 * <p><b>Children and keys.</b> {@code unet} (SD UNet, LoRA rank {@code unetRank} on PEFT's targets,
 * {@code conv_in} trained in full), {@code vae} and {@code vae_b2a} (the a2b and b2a VAEs with
 * decoder skip convolutions and LoRA rank {@code vaeRank}), {@code vae_patch} and
 * {@code vae_b2a_patch} (the local-view encoders: copies that are never trained, spec §3.1 ⚠),
 * {@code text_a2b}, {@code text_b2a} (the fixed prompt embeddings {@code (1, T, crossDim)}:
 * CLIP's encoding of "paraffin section" / "frozen section" at paper size, fixed random tables in
 * small configs), {@code cv_trunk} (the frozen ViT) and {@code net_disc_a}, {@code net_disc_b}
 * (the trainable heads). Trainable: every LoRA of {@code unet}, {@code vae}, {@code vae_b2a}, the
 * UNet's {@code conv_in} base, and the heads' weights and biases; the rest is frozen (the
 * skip-convolution base weights stay at their 1e-5 start, as the reference's PEFT setup leaves
 * them, spec §2.3 ⚠). With {@link DiffusionFfpeConfig#trainBase()} the UNet's and both
 * translation VAEs' base weights train as well (small configs from random weights).
 *
 * <p><b>Forward</b> (what {@code predict}/{@code translate} run): a2b translation. Inputs
 * {@code x (N, 3, H, W)} in [−1, 1], H and W multiples of {@link DiffusionFfpeConfig#stride()},
 * and optionally the latent noise {@code (N, 4, H/f, W/f)}; without noise the posterior mean is
 * used. Output {@code (N, 3, H, W)} in [−1, 1]. The training step uses {@link #translate} for both
 * directions and {@link #discriminate}.
 */
public final class DiffusionFfpe extends SdBlock
        implements HeldParameters, BaseModelRelease, WeightNameTable {

    /** Translation direction. */
    public enum Direction {
        /** Domain A (FF) to domain B (FFPE). */
        A2B,
        /** Domain B to domain A. */
        B2A
    }

    /** Which discriminator: the one judging domain-B images (D_A in the spec) or domain-A ones. */
    public enum Judge {
        /** {@code net_disc_a}: judges a2b outputs against real domain-B images. */
        DOMAIN_B,
        /** {@code net_disc_b}: judges b2a outputs against real domain-A images. */
        DOMAIN_A
    }

    private static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final DiffusionFfpeConfig config;
    private final UNet2dCondition unet;
    private final AutoencoderKl vae;
    private final AutoencoderKl vaeB2a;
    private final AutoencoderKl vaePatch;
    private final AutoencoderKl vaeB2aPatch;
    private final Parameter textA2b;
    private final Parameter textB2a;
    private final VisionTrunkBlock trunk;
    private final MultiLevelHeadBlock discA;
    private final MultiLevelHeadBlock discB;

    /** Builds the network for {@code config}; no weight is allocated until initialisation. */
    public DiffusionFfpe(DiffusionFfpeConfig config) {
        this.config = config;
        LoraConfig unetLora = new LoraConfig(config.unetRank(), (float) config.unetAlpha(), 0f,
                LoraConfig.Initialization.GAUSSIAN);
        LoraConfig vaeLora = new LoraConfig(config.vaeRank(), (float) config.vaeAlpha(), 0f,
                LoraConfig.Initialization.GAUSSIAN);
        unet = add("unet", new UNet2dCondition(new SdLayers(unetLora, LoraTargets.UNET,
                "conv_in"::equals), config.unet()));
        SdLayers vaeLayers = new SdLayers(vaeLora, LoraTargets.VAE, k -> false);
        vae = add("vae", new AutoencoderKl(vaeLayers, config.vae(), true));
        vaeB2a = add("vae_b2a", new AutoencoderKl(vaeLayers, config.vae(), true));
        vaePatch = add("vae_patch", new AutoencoderKl(vaeLayers, config.vae(), true));
        vaeB2aPatch = add("vae_b2a_patch", new AutoencoderKl(vaeLayers, config.vae(), true));
        Shape text = new Shape(1, config.promptTokens(), config.crossDim());
        textA2b = addParameter(Parameter.builder().setName("text_a2b")
                .setType(Parameter.Type.OTHER).optShape(text).build());
        textB2a = addParameter(Parameter.builder().setName("text_b2a")
                .setType(Parameter.Type.OTHER).optShape(text).build());
        trunk = add("cv_trunk", new VisionTrunkBlock(config.vitImage(), config.vitPatch(),
                config.vitDim(), config.vitDepth(), config.vitHeads(), config.vitLevels()));
        discA = add("net_disc_a", new MultiLevelHeadBlock(config.vitDim(),
                config.discChannels()));
        discB = add("net_disc_b", new MultiLevelHeadBlock(config.vitDim(),
                config.discChannels()));
        for (Map.Entry<String, Parameter> e : StateDicts.parameters(this).entrySet()) {
            e.getValue().freeze(!trainable(e.getKey(), config.trainBase()));
        }
    }

    /**
     * Whether the parameter of {@code key} is trained (see the class comment); with
     * {@code trainBase} every UNet and translation-VAE weight is.
     */
    static boolean trainable(String key, boolean trainBase) {
        if (key.startsWith("unet.")) {
            return trainBase || key.contains(".lora_")
                    || key.startsWith("unet.conv_in.base_layer.");
        }
        if (key.startsWith("vae.") || key.startsWith("vae_b2a.")) {
            return trainBase || key.contains(".lora_");
        }
        if (key.startsWith("net_disc_")) {
            return key.endsWith("weight_orig") || key.endsWith(".bias");
        }
        return false;
    }

    /** Whether {@code key} belongs to a discriminator head (trained by the discriminator step). */
    public static boolean discriminatorKey(String key) {
        return key.startsWith("net_disc_");
    }

    /** The configuration. */
    public DiffusionFfpeConfig config() {
        return config;
    }

    /** The b2a VAE and both heads are trained by the training step, not used by the forward. */
    @Override
    public Set<String> heldUnusedParameters() {
        Set<String> out = new LinkedHashSet<>();
        for (Map.Entry<String, Parameter> e : StateDicts.parameters(this).entrySet()) {
            String k = e.getKey();
            if (e.getValue().requiresGradient() && (k.startsWith("vae_b2a.")
                    || discriminatorKey(k))) {
                out.add(k);
            }
        }
        return out;
    }

    /**
     * Initialises every weight from a {@code java.util.Random} seeded by one draw of the engine's
     * generator (so the engine seed reproduces the network): PyTorch's defaults for convolutions
     * and linear layers, norms at one/zero, LoRA A ~ N(0, 1/r²) and B = 0 (PEFT
     * {@code init_lora_weights="gaussian"}), skip-convolution bases at 1e-5 (img2img-turbo), the
     * BlurPool filters, unit spectral-norm vectors, timm's truncated normal (0.02) for the ViT's
     * class token and position table, standard normal prompt tables.
     */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        float[] draw = manager.randomUniform(0f, 1f, new Shape(2)).toFloatArray();
        Random rng = new Random(((long) Float.floatToIntBits(draw[0]) << 32)
                ^ Float.floatToIntBits(draw[1]));
        Map<String, Parameter> all = StateDicts.parameters(this);
        for (Map.Entry<String, Parameter> e : all.entrySet()) {
            Parameter p = e.getValue();
            Initializer init = initializer(e.getKey(), p, all, rng);
            if (init == null) {
                init = p.getType() == Parameter.Type.GAMMA ? Initializer.ONES : Initializer.ZEROS;
            }
            p.setInitializer(init);
        }
        super.initialize(manager, dataType, inputShapes);
        Init.applyTorchDefaults(trunk, rng);
    }

    private Initializer initializer(String key, Parameter p, Map<String, Parameter> all,
            Random rng) {
        Shape s = p.getShape();
        if (s == null) {
            return null;
        }
        if (key.endsWith("lora_A.weight")) {
            return Init.truncNormal(0, 1.0 / s.get(0), Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY, rng);
        }
        if (key.endsWith("lora_B.weight")) {
            return Initializer.ZEROS;
        }
        if (key.contains(".skip_conv_") && key.endsWith("base_layer.weight")) {
            // img2img-turbo: nn.init.constant_(skip_conv.weight, 1e-5).
            return (m, shape, t) -> m.full(shape, 1e-5f, t);
        }
        if (key.endsWith(".filt")) {
            for (MultiLevelHeadBlock h : List.of(discA, discB)) {
                for (BlurPoolBlock b : h.blurs()) {
                    if (b.getParameters().get("filt") == p) {
                        float[] v = b.values();
                        return (m, shape, t) -> HostArrays.of(m, v, shape).toType(t, false);
                    }
                }
            }
        }
        if (key.endsWith("weight_u") || key.endsWith("weight_v")) {
            Initializer g = Init.truncNormal(0, 1, Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY, rng);
            return (m, shape, t) -> {
                NDArray a = g.initialize(m, shape, t);
                return a.div(Scalars.maximum(a.norm(), 1e-12f));
            };
        }
        if (key.equals("text_a2b") || key.equals("text_b2a")) {
            return Init.truncNormal(0, 1, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY,
                    rng);
        }
        if (key.endsWith("cls_token") || key.endsWith("pos_embed")) {
            return Init.truncNormal(0.02, rng);
        }
        if (p.getType() == Parameter.Type.GAMMA) {
            return Initializer.ONES;
        }
        if (p.getType() == Parameter.Type.BETA) {
            return Initializer.ZEROS;
        }
        if (key.endsWith("weight") || key.endsWith("weight_orig")) {
            return s.dimension() >= 2 ? Init.torchDefaultWeight(rng) : Initializer.ONES;
        }
        if (key.endsWith("bias")) {
            String stem = key.substring(0, key.length() - "bias".length());
            for (String w : List.of("weight", "weight_orig")) {
                Parameter wp = all.get(stem + w);
                if (wp != null && wp.getShape() != null) {
                    return Init.torchDefaultBias(Init.fans(wp.getShape()).fanIn(), rng);
                }
            }
            return Initializer.ZEROS;
        }
        return null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray noise = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(translate(ps, x, Direction.A2B, noise, training));
    }

    /**
     * Refuses a side that is not a positive multiple of the stride.
     *
     * @throws IllegalArgumentException naming the stride and the shape found
     */
    void checkInput(Shape s) {
        int stride = config.stride();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) % stride != 0
                || s.get(3) % stride != 0 || s.get(2) == 0 || s.get(3) == 0) {
            throw new IllegalArgumentException("Diffusion-FFPE expects (N, 3, H, W) with H and W"
                    + " positive multiples of " + stride + ", found " + s);
        }
    }

    /**
     * One-step translation (spec §2.1, §3): the multi-view encoding of the direction's VAE
     * (global view plus the frozen patch encoder on a {@code patchGrid × patchGrid} grid of tiles,
     * moments and skips summed), {@code quant_conv}, the latent {@code (μ + σ·noise)·s} (μ without
     * noise), the UNet at t = 999 with the direction's prompt, the one-step DDPM update, the
     * decoder with skips, clamped to [−1, 1].
     *
     * @param ps        parameter store
     * @param x         (N, 3, H, W) in [−1, 1]
     * @param direction which VAE pair and prompt
     * @param noise     (N, 4, H/f, W/f) standard normal, or null for the posterior mean
     * @param training  whether autograd records
     * @return (N, 3, H, W) in [−1, 1]
     */
    public NDArray translate(ParameterStore ps, NDArray x, Direction direction, NDArray noise,
            boolean training) {
        checkInput(x.getShape());
        AutoencoderKl main = direction == Direction.A2B ? vae : vaeB2a;
        AutoencoderKl local = direction == Direction.A2B ? vaePatch : vaeB2aPatch;
        Parameter text = direction == Direction.A2B ? textA2b : textB2a;
        long n = x.getShape().get(0);
        int p = config.patchGrid();
        NDList global = main.encoder().forward(ps, new NDList(x), training);
        NDList tiles = local.encoder().forward(ps, new NDList(tile(x, p)), training);
        NDArray h = global.get(0).add(untile(tiles.get(0), p));
        NDList decoderIn = new NDList();
        for (int l = 1; l < global.size(); l++) {
            decoderIn.add(global.get(l).add(untile(tiles.get(l), p)));
        }
        NDArray moments = call(main.quantConv(), ps, h, training);
        int latent = main.config().latentChannels();
        NDArray mean = moments.get(":, :" + latent);
        NDArray z = mean;
        if (noise != null) {
            NDArray logvar = moments.get(":, " + latent + ":").clip(-30f, 20f);
            z = mean.add(Scalars.mul(logvar, 0.5f).exp().mul(noise));
        }
        float sf = (float) main.config().scalingFactor();
        z = Scalars.mul(z, sf);
        float[] t = new float[(int) n];
        java.util.Arrays.fill(t, OneStepDdpm.TIMESTEP);
        NDArray ctx = ParameterViews.value(ps, text, x, training)
                .broadcast(n, config.promptTokens(), config.crossDim());
        NDArray eps = unet.forward(ps,
                        new NDList(z, HostArrays.of(x.getManager(), t), ctx), training)
                .head();
        NDArray z0 = OneStepDdpm.step(eps, z);
        NDArray post = call(main.postQuantConv(), ps, Scalars.div(z0, sf), training);
        decoderIn.add(0, post);
        NDArray y = main.decoder().forward(ps, decoderIn, training).head();
        return y.clip(-1f, 1f);
    }

    /**
     * The logits of one discriminator (spec §4): DiffAugment (when {@code augment}), [0, 1], an
     * area resize to {@code vitImage}, CLIP normalisation, the frozen ViT's token maps and global
     * token, the head.
     *
     * @param ps       parameter store
     * @param x        (N, 3, H, W) in [−1, 1]
     * @param judge    which head
     * @param augment  whether DiffAugment is applied (always in training, as the reference)
     * @param training whether autograd records (and the spectral norms iterate)
     * @return three logit arrays, see {@link MultiLevelHeadBlock}
     */
    public NDList discriminate(ParameterStore ps, NDArray x, Judge judge, boolean augment,
            boolean training) {
        if (augment) {
            x = DiffAugment.apply(x);
        }
        x = Scalars.mul(x, 0.5f).add(0.5f);
        int side = config.vitImage();
        if (x.getShape().get(2) != side || x.getShape().get(3) != side) {
            x = x.getNDArrayInternal().interpolation(new long[] {side, side}, 2, false);
        }
        NDManager m = x.getManager();
        NDArray mean =
                HostArrays.of(m, CLIP_MEAN, new Shape(1, 3, 1, 1)).toDevice(x.getDevice(), false);
        NDArray std =
                HostArrays.of(m, CLIP_STD, new Shape(1, 3, 1, 1)).toDevice(x.getDevice(), false);
        x = x.sub(mean).div(std);
        NDList feats = trunk.forward(ps, new NDList(x), training);
        MultiLevelHeadBlock head = judge == Judge.DOMAIN_B ? discA : discB;
        return head.forward(ps, feats, training);
    }

    /**
     * The {@code multilevel_sigmoid} loss: per sample, the sum over levels of the spatial mean of
     * {@code BCEWithLogits(logit, target)}; then the batch mean.
     *
     * @param logits what {@link #discriminate} returned
     * @param real   target 1 (real, or the generator's step) or 0 (fake)
     * @return a scalar
     */
    public static NDArray ganLoss(NDList logits, boolean real) {
        NDArray total = null;
        for (NDArray l : logits) {
            // BCEWithLogits(l, y) = max(l, 0) − l·y + log(1 + exp(−|l|)), computed stably.
            NDArray bce = Scalars.maximum(l, 0f).sub(real ? l : l.zerosLike())
                    .add(l.abs().neg().exp().add(1f).log());
            NDArray perSample = bce.reshape(bce.getShape().get(0), -1).mean(new int[] {1});
            total = total == null ? perSample : total.add(perSample);
        }
        return total.mean();
    }

    /** Cuts (N, C, H, W) into a row-major p×p grid of tiles, (N·p², C, H/p, W/p). */
    static NDArray tile(NDArray x, int p) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2) / p;
        long w = s.get(3) / p;
        return x.reshape(n, c, p, h, p, w).transpose(0, 2, 4, 1, 3, 5).reshape(n * p * p, c, h, w);
    }

    /** The inverse of {@link #tile}: (N·p², C, h, w) back to (N, C, p·h, p·w). */
    static NDArray untile(NDArray t, int p) {
        Shape s = t.getShape();
        long n = s.get(0) / ((long) p * p);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        return t.reshape(n, p, p, c, h, w).transpose(0, 3, 1, 4, 2, 5).reshape(n, c, p * h, p * w);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), 3, s.get(2), s.get(3))};
    }

    /** The release's base: an SD-Turbo diffusers folder (see {@link DiffusionFfpeRelease}). */
    @Override
    public String baseDescription() {
        return DiffusionFfpeRelease.description();
    }

    /** The discriminators' trunk and heads: a release ({@code model.pkl}) has neither. */
    @Override
    public List<String> notReleased() {
        return DiffusionFfpeRelease.notReleased();
    }

    /**
     * A single file for {@code model.init}: CONCH's {@code pytorch_model.bin} gives the
     * discriminators' frozen trunk ({@link ConchTrunkWeights}: {@code visual.trunk.*} to
     * {@code cv_trunk.*}, the position table resampled to this network's token grid); any other
     * file (a FreqMed checkpoint, the prompt tables) is read by its keys as they are.
     */
    @Override
    public Map<String, HostTensor> toNetworkKeys(Checkpoint source) throws IOException {
        Map<String, HostTensor> sd = source.stateDict();
        if (ConchTrunkWeights.holdsTrunk(sd)) {
            return ConchTrunkWeights.toNetworkKeys(sd, trunk.grid(), source.source());
        }
        return sd;
    }

    /** SD-Turbo's UNet and VAE from {@code base}, the trained parts from {@code model.pkl}. */
    @Override
    public Map<String, HostTensor> toNetworkKeys(Path base, Checkpoint trained)
            throws IOException {
        return new DiffusionFfpeRelease(this).toNetworkKeys(base, trained);
    }
}
