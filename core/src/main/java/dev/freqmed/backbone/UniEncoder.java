package dev.freqmed.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import dev.freqmed.nn.ContainerBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.MlpBlock;
import dev.freqmed.nn.VitBlock;
import dev.freqmed.nn.freq.CentredHighPass;
import dev.freqmed.tensor.HostArrays;

/**
 * The UNI (DINOv2-trained ViT-L) encoder wrapped as FPNuNet's {@code uni_v1_adapter}
 * (spec §3.2): a frozen ViT whose blocks are called directly after a new random, frozen
 * {@code patch × patch} patch embedding — no CLS token, no positional embedding, no LayerScale
 * and no final norm (the reference loads the UNI file with {@code strict=False}, which drops the
 * {@code ls1}/{@code ls2} factors, and never calls the rest) — with a trained EVP prompt adapter
 * whose prompt {@code p_k} is added before block {@code k · promptEvery}.
 *
 * <p>Input {@code (N, 3, H, W)} on the network's input scale; the patch embedding sees
 * {@code x' = (x·σ_IN + μ_IN − 0.5) / 0.5} (ImageNet μ, σ), the adapter's high-pass the
 * un-renormalised {@code x}. Outputs: {@code U (N, D, H/p, W/p)} (the last block's tokens,
 * token {@code j} at row {@code j / (W/p)}), then one map of the same shape per hook block,
 * detached from the graph as in the reference. Gradients reach only the adapter, through
 * {@code U}.
 *
 * <p>Keys: {@code model.{cls_token, pos_embed, patch_embed.proj.*, blocks.i.*, norm.*}} (timm
 * names; the unused ones are kept so that the UNI file loads) and {@code prompt_generator.*}.
 * Reference: {@code network/get_uni_adapter.py}, {@code network/hipt/vision_transformer.py}.
 */
public final class UniEncoder extends AbstractBlock {

    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    private final VitEncoderConfig config;
    private final Vit model;
    private final PromptGeneratorBlock prompts;
    private final double highPassRate;
    private final boolean trainable;

    /**
     * The released encoder: frozen except the prompt adapter, hooks detached.
     *
     * @param config       sizes
     * @param highPassRate the adapter's {@code freq_nums} (0.25)
     */
    public UniEncoder(VitEncoderConfig config, double highPassRate) {
        this(config, highPassRate, false);
    }

    /**
     * @param config       sizes
     * @param highPassRate the adapter's {@code freq_nums} (0.25)
     * @param trainable    false: the ViT frozen and the hooks detached (the reference); true:
     *                     patch embedding and blocks train and the hooks carry gradient (the
     *                     unused CLS token, positions and final norm stay frozen)
     */
    public UniEncoder(VitEncoderConfig config, double highPassRate, boolean trainable) {
        this.config = config;
        this.highPassRate = highPassRate;
        this.trainable = trainable;
        model = addChildBlock("model", new Vit(config));
        model.freezeParameters(true);
        if (trainable) {
            model.patchConv.freezeParameters(false);
            model.blocks.freezeParameters(false);
        }
        prompts = addChildBlock("prompt_generator", new PromptGeneratorBlock(config.embedDim(),
                config.promptDim(), config.promptCount(), config.patchSize()));
    }

    /** The sizes. */
    public VitEncoderConfig config() {
        return config;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow().stopGradient();
        int p = config.patchSize();
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) % p != 0 || s.get(3) % p != 0) {
            throw new IllegalArgumentException("UNI encoder expects (N, 3, H, W) with H and W"
                    + " multiples of " + p + ", found " + s);
        }
        NDManager m = x.getManager();
        float[] scale = new float[3];
        float[] shift = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = STD[c] / 0.5f;
            shift[c] = (MEAN[c] - 0.5f) / 0.5f;
        }
        NDArray xr = x.mul(HostArrays.of(m, scale, new Shape(1, 3, 1, 1))
                        .toDevice(x.getDevice(), false))
                .add(HostArrays.of(m, shift, new Shape(1, 3, 1, 1)).toDevice(x.getDevice(), false));
        NDArray emb = model.patchConv.forward(ps, new NDList(xr), training, params)
                .singletonOrThrow();
        Shape es = emb.getShape();
        long n = es.get(0);
        int d = config.embedDim();
        long gh = es.get(2);
        long gw = es.get(3);
        NDArray t = emb.reshape(n, d, gh * gw).transpose(0, 2, 1);
        NDArray hf = CentredHighPass.apply(x, highPassRate);
        NDList pr = prompts.forward(ps, new NDList(hf, t), training, params);
        NDList out = new NDList();
        NDList hooks = new NDList();
        for (int i = 0; i < config.depth(); i++) {
            if (i % config.promptEvery() == 0) {
                t = t.add(pr.get(i / config.promptEvery()));
            }
            t = model.blocks.get(i).forward(ps, new NDList(t), training, params)
                    .singletonOrThrow();
            if (config.hookBlocks().contains(i)) {
                NDArray hook = toMap(t, gh, gw);
                hooks.add(trainable ? hook : hook.stopGradient());
            }
        }
        out.add(toMap(t, gh, gw));
        out.addAll(hooks);
        return out;
    }

    private NDArray toMap(NDArray tokens, long gh, long gw) {
        long n = tokens.getShape().get(0);
        return tokens.transpose(0, 2, 1).reshape(n, config.embedDim(), gh, gw);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        model.initialize(manager, dataType, Layers.nchw(3));
        prompts.initialize(manager, dataType, Layers.nchw(3));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        int p = config.patchSize();
        Shape map = new Shape(s.get(0), config.embedDim(), s.get(2) / p, s.get(3) / p);
        Shape[] out = new Shape[1 + config.hookBlocks().size()];
        java.util.Arrays.fill(out, map);
        return out;
    }

    /**
     * The timm {@code VisionTransformer} parameters of UNI: {@code cls_token}, {@code pos_embed}
     * (1 + g² rows), {@code patch_embed.proj}, {@code blocks}, {@code norm}. Its forward is the
     * encoder's; it holds the weights.
     */
    static final class Vit extends AbstractBlock {
        private final VitEncoderConfig config;
        private final Block patchConv;
        private final ContainerBlock blocks = new ContainerBlock();
        private final LayerNorm norm;

        Vit(VitEncoderConfig config) {
            this.config = config;
            int d = config.embedDim();
            int g = config.gridSize();
            addParameter(Parameter.builder().setName("cls_token").setType(Parameter.Type.OTHER)
                    .optShape(new Shape(1, 1, d)).optInitializer(new NormalInitializer(0.02f))
                    .build());
            addParameter(Parameter.builder().setName("pos_embed").setType(Parameter.Type.OTHER)
                    .optShape(new Shape(1, 1L + (long) g * g, d))
                    .optInitializer(new NormalInitializer(0.02f)).build());
            patchConv = Layers.conv(d, config.patchSize(), config.patchSize(), 0, true);
            addChildBlock("patch_embed", new ContainerBlock().add("proj", patchConv,
                    Layers.nchw(3)));
            for (int i = 0; i < config.depth(); i++) {
                blocks.add(VitBlock.builder()
                        .setDim(d)
                        .setHeads(config.heads())
                        .optMlpHidden(config.mlpDim())
                        .optMlpNaming(MlpBlock.Naming.TIMM)
                        .optQueryChunk(config.queryChunk())
                        .build(), new Shape(1, 1, d));
            }
            addChildBlock("blocks", blocks);
            norm = addChildBlock("norm", Layers.layerNorm(1e-6f, 2));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            throw new UnsupportedOperationException("the UNI weights are run by UniEncoder");
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType,
                Shape... inputShapes) {
            for (Block b : getChildren().values()) {
                b.initialize(manager, dataType, b == norm ? new Shape(1, config.embedDim())
                        : Layers.nchw(3));
            }
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            throw new UnsupportedOperationException("the UNI weights are run by UniEncoder");
        }
    }
}
