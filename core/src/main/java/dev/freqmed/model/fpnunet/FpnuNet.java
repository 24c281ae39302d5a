package dev.freqmed.model.fpnunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.Layers;
import dev.freqmed.backbone.SamImageEncoder;
import dev.freqmed.backbone.UniEncoder;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.WeightNameTable;
import dev.freqmed.model.HeldParameters;
import dev.freqmed.nn.ContainerBlock;
import dev.freqmed.tensor.Init;
import dev.freqmed.nn.freq.PfaeBlock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * FPNuNet as released ({@code SAMNuSCNetV231}, spec §0): a frozen SAM-style encoder and a frozen
 * UNI-style encoder, both with frequency prompt adapters, the PFAE global fusion neck, two PFAE
 * skip necks on the raw-reshaped UNI hooks, and the NP, HV and NC decoders.
 * <pre>
 * S = sam(x) (N, Ds, g, g');  U, h0, h1, h2 = uni(x) (N, Du, g, g') each
 * k0 = view(h0) (N, Du/4, 2g, 2g'); k1 = view(h1) (N, Du/16, 4g, 4g'); k2 = view(h2) (N, Du/64, 8g, 8g')
 * k1' = skip_neck2(k1); k2' = skip_neck1(k2);  Z = fusion_neck(x, S, U) (N, F, g, g')
 * NP, BOUNDARY, β = binary_decoder(Z, k0, k1', k2');  HV = hv_decoder(Z, k, β);  NC = type_decoder(Z, k, β)
 * </pre>
 * The hooks are reinterpreted in memory ({@code view}), not upsampled: flat index
 * {@code c·g·g' + y·g' + x} is kept (spec §4.4). The released network has no colour-fusion stem
 * (spec §2); with {@link FpnuNetConfig#colorStem()} set (off as released) the paper's stem
 * ({@link ColorFusionStemBlock}, key prefix {@code color_stem.}) turns the input and its HED
 * deconvolution into the image both encoders and the neck see. With
 * {@link FpnuNetConfig#pixelSkip()} (off as released) the neck's full-resolution multi-scale
 * map MS is concatenated to k2' for the decoders' last stage.
 *
 * <p>Input {@code (N, 3, H, W)}, H and W multiples of 8 (the patch), on the reference's scale
 * (pixel values minus one). Outputs, named after {@link Branch}: {@code NP (N, 1, H, W)} and
 * {@code BOUNDARY (N, 1, H, W)} logits, {@code HV (N, 2, H, W)}, {@code NC (N, T, H, W)} type
 * logits. The deep-supervision heads of decoder stages 0 and 1 are not computed (the released
 * run returns them to nothing); their weights are kept and declared in
 * {@link #heldUnusedParameters()}. Keys follow the reference state dict without its
 * {@code model.} prefix (spec §9); SAM's prompt encoder is not built (never called).
 */
public final class FpnuNet extends AbstractBlock implements HeldParameters, WeightNameTable {

    /** The patch side: inputs must be multiples of it. */
    public static final int STRIDE = 8;

    /** The named outputs. */
    public enum Branch {
        /** Nucleus-pixel logit (N, 1, H, W). */
        NP,
        /** Nucleus-contour logit (N, 1, H, W), auxiliary. */
        BOUNDARY,
        /** Horizontal / vertical distance maps (N, 2, H, W), channel 0 varies along rows. */
        HV,
        /** Type logits (N, T, H, W), channel 0 = background. */
        NC
    }

    private final FpnuNetConfig config;
    private final SamImageEncoder sam;
    private final UniEncoder uni;
    private final FusionNeckBlock fusionNeck;
    private final PfaeBlock skipNeck1;
    private final PfaeBlock skipNeck2;
    private final BinaryDecoderBlock binaryDecoder;
    private final HvDecoderBlock hvDecoder;
    private final TypeDecoderBlock typeDecoder;
    private final ColorFusionStemBlock colorStem;

    /** @param config the sizes */
    public FpnuNet(FpnuNetConfig config) {
        this.config = config;
        colorStem = config.hasColorStem() ? new ColorFusionStemBlock(
                FpnuNetConfig.COLOR_STEM_RGB.equals(config.colorStem()),
                FpnuNetConfig.STAIN_IHC.equals(config.stain())) : null;
        sam = new SamImageEncoder(config.sam(), config.highPassRate(), config.trainEncoders());
        addChildBlock("sam", new ContainerBlock().add("image_encoder", sam, Layers.nchw(3)));
        uni = addChildBlock("extra_encoder", new UniEncoder(config.uni(), config.highPassRate(),
                config.trainEncoders()));
        int[] skips = config.skipChannels();
        int f = config.fusionChannels();
        fusionNeck = addChildBlock("fusion_neck", new FusionNeckBlock(config.sam().embedDim(),
                config.uni().embedDim(), f, config.pixelChannels(), config.pixelInter()));
        skipNeck1 = new PfaeBlock(skips[2], skips[2], skips[2], 2, 8);
        addChildBlock("skip_neck1", new ContainerBlock().add("enhancer", skipNeck1,
                Layers.nchw(skips[2])));
        skipNeck2 = new PfaeBlock(skips[1], skips[1], skips[1], 2, 8);
        addChildBlock("skip_neck2", new ContainerBlock().add("enhancer", skipNeck2,
                Layers.nchw(skips[1])));
        int[] decoderSkips = config.decoderSkipChannels();
        binaryDecoder = addChildBlock("binary_decoder", new BinaryDecoderBlock(f, decoderSkips,
                config.headChannels()));
        hvDecoder = addChildBlock("hv_decoder", new HvDecoderBlock(f, decoderSkips,
                config.headChannels(), config.attentionHeads(), config.queryChunk(),
                config.keyGrid()));
        typeDecoder = addChildBlock("type_decoder", new TypeDecoderBlock(f, decoderSkips,
                config.headChannels(), config.numTypes(), config.attentionHeads(),
                config.promptLength(), config.queryChunk(), config.keyGrid()));
        if (colorStem != null) {
            addChildBlock("color_stem", colorStem);
        }
    }

    /** The configuration. */
    public FpnuNetConfig config() {
        return config;
    }

    @Override
    public Set<String> vanishingGradientParameters() {
        // The last HV fusion: its key/value bias (softmax is shift-invariant, attention weights sum
        // to one), the attention's and the fusion's output biases all add per-channel constants
        // that the head's BatchNorm removes.
        Set<String> keys = new LinkedHashSet<>(List.of("hv_decoder.final_fusion.kv_proj.bias",
                "hv_decoder.final_fusion.attn.out_proj.bias",
                "hv_decoder.final_fusion.out_proj.bias"));
        if (colorStem != null) {
            // The weights of the other stain are multiplied by 0.
            keys.add(FpnuNetConfig.STAIN_IHC.equals(config.stain()) ? "color_stem.scale_he"
                    : "color_stem.scale_ihc");
        }
        return keys;
    }

    @Override
    public Set<String> heldUnusedParameters() {
        Set<String> keys = new LinkedHashSet<>();
        BinaryDecoderBlock.unusedKeys().forEach(k -> keys.add("binary_decoder." + k));
        HvDecoderBlock.unusedKeys().forEach(k -> keys.add("hv_decoder." + k));
        TypeDecoderBlock.unusedKeys().forEach(k -> keys.add("type_decoder." + k));
        return keys;
    }

    /**
     * Maps Segment Anything's, UNI's or a reference FPNuNet checkpoint's keys and layouts to
     * this network's ({@link FpnuNetWeights}).
     */
    @Override
    public java.util.Map<String, HostTensor> toNetworkKeys(Checkpoint source)
            throws java.io.IOException {
        return FpnuNetWeights.toNetworkKeys(config, source);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != 3) {
            throw new IllegalArgumentException("FPNuNet expects (N, 3, H, W), found " + s);
        }
        if (s.get(2) % STRIDE != 0 || s.get(3) % STRIDE != 0 || s.get(2) < STRIDE
                || s.get(3) < STRIDE) {
            throw new IllegalArgumentException("FPNuNet input sides must be multiples of its"
                    + " stride " + STRIDE + " (the patch size), found " + s.get(2) + "x"
                    + s.get(3));
        }
        if (colorStem != null) {
            x = colorStem.forward(ps, new NDList(x, ColorFusionStemBlock.hed(x,
                    config.normalization())), training, params).singletonOrThrow();
        }
        NDArray samOut = Ops.run(sam, ps, x, training, params);
        NDList u = uni.forward(ps, new NDList(x), training, params);
        long n = s.get(0);
        long gh = s.get(2) / STRIDE;
        long gw = s.get(3) / STRIDE;
        long d = config.uni().embedDim();
        NDArray k0 = u.get(1).reshape(n, d / 4, 2 * gh, 2 * gw);
        NDArray k1 = Ops.run(skipNeck2, ps, u.get(2).reshape(n, d / 16, 4 * gh, 4 * gw),
                training, params);
        NDArray k2 = Ops.run(skipNeck1, ps, u.get(3).reshape(n, d / 64, 8 * gh, 8 * gw),
                training, params);
        NDList neck = fusionNeck.forward(ps, new NDList(x, samOut, u.get(0)), training, params);
        NDArray z = neck.get(0);
        if (config.pixelSkip()) {
            k2 = NDArrays.concat(new NDList(k2, neck.get(1)), 1);
        }
        NDList bin = binaryDecoder.forward(ps, new NDList(z, k0, k1, k2), training, params);
        NDList decoderInputs = new NDList(z, k0, k1, k2, bin.get(2), bin.get(3), bin.get(4));
        NDArray hv = hvDecoder.forward(ps, decoderInputs, training, params).singletonOrThrow();
        NDArray tp = typeDecoder.forward(ps, decoderInputs, training, params).singletonOrThrow();
        NDArray np = bin.get(0);
        NDArray boundary = bin.get(1);
        np.setName(Branch.NP.name());
        boundary.setName(Branch.BOUNDARY.name());
        hv.setName(Branch.HV.name());
        tp.setName(Branch.NC.name());
        return new NDList(np, boundary, hv, tp);
    }

    /**
     * Initialises every parameter, then gives convolutions and linear layers PyTorch's default
     * initialisation ({@code Init.applyTorchDefaults}, drawn from a generator seeded with the
     * engine's seed), as the reference modules are built; attention projections stay
     * Xavier-uniform and norms at 1 / 0, as in PyTorch. The colour stem's convolutions are then
     * drawn Kaiming-normal with zero biases, as its reference module initialises itself.
     */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        Integer seed = ai.djl.engine.Engine.getInstance().getSeed();
        java.util.Random rng = new java.util.Random(seed == null ? 0 : seed);
        Init.applyTorchDefaults(this, rng);
        if (colorStem != null) {
            colorStem.initialize(rng);
        }
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        int[] skips = config.skipChannels();
        getChildren().get(0).getValue().initialize(manager, dataType, Layers.nchw(3));
        uni.initialize(manager, dataType, Layers.nchw(3));
        fusionNeck.initialize(manager, dataType, Layers.nchw(3));
        getChildren().get(3).getValue().initialize(manager, dataType, Layers.nchw(skips[2]));
        getChildren().get(4).getValue().initialize(manager, dataType, Layers.nchw(skips[1]));
        binaryDecoder.initialize(manager, dataType, Layers.nchw(1));
        hvDecoder.initialize(manager, dataType, Layers.nchw(1));
        typeDecoder.initialize(manager, dataType, Layers.nchw(1));
        if (colorStem != null) {
            colorStem.initialize(manager, dataType, Layers.nchw(3), Layers.nchw(3));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        long n = s.get(0);
        long h = s.get(2);
        long w = s.get(3);
        return new Shape[] {new Shape(n, 1, h, w), new Shape(n, 1, h, w), new Shape(n, 2, h, w),
            new Shape(n, config.numTypes(), h, w)};
    }
}
