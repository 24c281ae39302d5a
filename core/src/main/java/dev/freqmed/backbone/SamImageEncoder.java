package dev.freqmed.backbone;

import dev.freqmed.nn.Layers;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.ParameterViews;
import dev.freqmed.nn.ScopedForward;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import dev.freqmed.nn.ContainerBlock;
import dev.freqmed.nn.LayerNorm2dBlock;
import dev.freqmed.nn.MlpBlock;
import dev.freqmed.nn.VitBlock;
import dev.freqmed.nn.freq.CentredHighPass;
import dev.freqmed.tensor.Resize;

/**
 * Segment Anything's ViT image encoder as FPNuNet runs it (spec §3.1): a new
 * {@code patch × patch} patch embedding, absolute positions {@code pos_embed (1, g, g, D)},
 * blocks with window attention (global in {@code globalBlocks}) and decomposed relative
 * positions, an EVP prompt adapter ({@link PromptGeneratorBlock}) whose prompt {@code p_i} is
 * added before block {@code i}, and SAM's neck, which is loaded but bypassed ({@code no_neck}).
 *
 * <p>Input {@code (N, 3, H, W)} (H, W multiples of the patch); output
 * {@code S = (N, D, H/patch, W/patch)}, the last block's tokens. The adapter sees the patch
 * tokens before {@code pos_embed} is added. When the token grid differs from {@code gridSize},
 * {@code pos_embed} is resized bilinearly ({@code align_corners=False}) and the global blocks'
 * relative tables linearly, as SAM does for other input sizes.
 *
 * <p>The reference runs this encoder under {@code torch.no_grad()}: none of its parameters is
 * ever updated (its patch embedding and adapter keep their random initial values). This block
 * is therefore built frozen and its output carries no gradient, unless it is built trainable
 * (reduced-scale random encoders, where nothing pretrained would be lost).
 *
 * <p>Keys (SAM's {@code image_encoder.*}): {@code patch_embed.proj.*}, {@code pos_embed},
 * {@code blocks.i.{norm1,attn.{qkv,proj,rel_pos_h,rel_pos_w},norm2,mlp.{lin1,lin2}}},
 * {@code neck.{0,1,2,3}}, {@code prompt_generator.*}. Reference: segment-anything
 * {@code modeling/image_encoder.py} {@code ImageEncoderViT}; SAM-Adapter
 * {@code image_encoder.py}.
 */
public final class SamImageEncoder extends AbstractBlock {

    /** SAM's neck width. */
    public static final int NECK_CHANNELS = 256;

    private final VitEncoderConfig config;
    private final Block patchConv;
    private final Parameter posEmbed;
    private final ContainerBlock blocks = new ContainerBlock();
    private final IndexedSequentialBlock neck;
    private final PromptGeneratorBlock prompts;
    private final double highPassRate;
    private final boolean trainable;

    /**
     * A frozen encoder without gradient, as released.
     *
     * @param config       sizes
     * @param highPassRate the adapter's {@code freq_nums} (0.25)
     */
    public SamImageEncoder(VitEncoderConfig config, double highPassRate) {
        this(config, highPassRate, false);
    }

    /**
     * @param config       sizes
     * @param highPassRate the adapter's {@code freq_nums} (0.25)
     * @param trainable    false: frozen and run without gradient (the reference); true: the
     *                     patch embedding, positions, blocks and adapter train (the neck stays
     *                     frozen, it is bypassed)
     */
    public SamImageEncoder(VitEncoderConfig config, double highPassRate, boolean trainable) {
        this.config = config;
        this.trainable = trainable;
        this.highPassRate = highPassRate;
        int d = config.embedDim();
        int g = config.gridSize();
        patchConv = Layers.conv(d, config.patchSize(), config.patchSize(), 0, true);
        addChildBlock("patch_embed", new ContainerBlock().add("proj", patchConv,
                Layers.nchw(3)));
        posEmbed = addParameter(Parameter.builder()
                .setName("pos_embed")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, g, g, d))
                .optInitializer(new NormalInitializer(0.02f))
                .build());
        for (int i = 0; i < config.depth(); i++) {
            boolean global = config.windowSize() == 0 || config.globalBlocks().contains(i);
            blocks.add(VitBlock.builder()
                    .setDim(d)
                    .setHeads(config.heads())
                    .optMlpHidden(config.mlpDim())
                    .optMlpNaming(MlpBlock.Naming.SAM)
                    .optWindowSize(global ? 0 : config.windowSize())
                    .optRelativePosition(g, g)
                    .optQueryChunk(config.queryChunk())
                    .build(), new Shape(1, g, g, d));
        }
        addChildBlock("blocks", blocks);
        neck = new IndexedSequentialBlock()
                .add(Layers.conv(NECK_CHANNELS, 1, 1, 0, false), Layers.nchw(d))
                .add(LayerNorm2dBlock.builder().setChannels(NECK_CHANNELS).optEps(1e-6f)
                        .build(), Layers.nchw(NECK_CHANNELS))
                .add(Layers.conv(NECK_CHANNELS, 3, 1, 1, false), Layers.nchw(NECK_CHANNELS))
                .add(LayerNorm2dBlock.builder().setChannels(NECK_CHANNELS).optEps(1e-6f)
                        .build(), Layers.nchw(NECK_CHANNELS));
        addChildBlock("neck", neck);
        prompts = addChildBlock("prompt_generator", new PromptGeneratorBlock(d,
                config.promptDim(), config.promptCount(), config.patchSize()));
        if (trainable) {
            neck.freezeParameters(true);
        } else {
            freezeParameters(true);
        }
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
            throw new IllegalArgumentException("SAM encoder expects (N, 3, H, W) with H and W"
                    + " multiples of " + p + ", found " + s);
        }
        // Frozen: never recorded, as the reference calls this encoder under torch.no_grad().
        boolean record = trainable && training;
        NDList out = ScopedForward.run(new NDList(x), record, in -> {
            NDArray img = in.head();
            NDArray t0 = patchConv.forward(ps, new NDList(img), record, params)
                    .singletonOrThrow().transpose(0, 2, 3, 1); // (N, gh, gw, D)
            Shape ts = t0.getShape();
            long n = ts.get(0);
            long gh = ts.get(1);
            long gw = ts.get(2);
            int d = config.embedDim();
            NDArray hf = CentredHighPass.apply(img, highPassRate);
            NDList pr = prompts.forward(ps, new NDList(hf, t0.reshape(n, gh * gw, d)), record,
                    params);
            NDArray t = t0.add(positions(ps, img, (int) gh, (int) gw, record));
            for (int i = 0; i < config.depth(); i++) {
                t = t.add(pr.get(i).reshape(n, gh, gw, d));
                t = blocks.get(i).forward(ps, new NDList(t), record, params).singletonOrThrow();
            }
            return new NDList(t.transpose(0, 3, 1, 2));
        });
        return record ? out : new NDList(out.head().stopGradient());
    }

    private NDArray positions(ParameterStore ps, NDArray like, int gh, int gw,
            boolean record) {
        NDArray pos = ps.getValue(posEmbed, like.getDevice(), record);
        int g = config.gridSize();
        if (gh == g && gw == g) {
            return pos;
        }
        return Resize.resize(ParameterViews.of(pos, like).transpose(0, 3, 1, 2), gh, gw,
                Resize.Mode.BILINEAR, false)
                .transpose(0, 2, 3, 1);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        for (Block b : getChildren().values()) {
            b.initialize(manager, dataType, Layers.nchw(3));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        int p = config.patchSize();
        return new Shape[] {new Shape(s.get(0), config.embedDim(), s.get(2) / p, s.get(3) / p)};
    }
}
