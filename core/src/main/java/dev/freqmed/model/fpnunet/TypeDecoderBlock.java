package dev.freqmed.model.fpnunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.ContainerBlock;
import dev.freqmed.nn.CrossAttentionBlock;
import dev.freqmed.nn.ParameterViews;
import dev.freqmed.tensor.Resize;
import java.util.ArrayList;
import java.util.List;

/**
 * The NC (type) decoder of FPNuNet ({@code TypeDecoderV3}, spec §5.3). Per stage {@code i}
 * (width {@code b}): {@code Up}; learnable prompt tokens
 * {@code P = P0 + MHA(P0, P0, P0)}, {@code P = P + FFN(LN(P))}; prompt cross attention on the
 * 2×-pooled map, {@code a = MHA(Lin(tokens(AvgPool2(x))), Lin(P), Lin(P))},
 * {@code a = a + FFN'(LN(a))} with {@code FFN' = LN → Lin → GELU → Lin} (two LayerNorms in a row,
 * as the reference), {@code x = x + up2(map(Lin(a)))}; then the prompt-and-binary-guided skip
 * fusion {@code s = ReLU(BN(Conv1(k)))}, {@code a = map(MHA(tokens(x), tokens(s), tokens(s)))},
 * {@code g = σ(Conv1(β))}, {@code x = ReLU(BN(Conv3(x + x⊙(1−g) + a⊙g)))}; the last stage's
 * {@code head_feats}/{@code head_preds} give the type logits.
 *
 * <p>Inputs {@code Z, k0, k1', k2', β0, β1, β2}; output {@code tp (N, T, 8g, 8g')}. The heads of
 * stages 0 and 1 (deep supervision, unused by the released loss) are kept, not computed.
 * {@code final_fusion} attends over all {@code 64·g·g'} pixels: on the engine's fused kernel
 * where the self-test passed it (linear memory, so the full-size network trains on a CPU), else
 * with its queries chunked ({@link dev.freqmed.nn.DotProductAttention}). With
 * {@code keyGrid > 0} the skip map is average-pooled before it becomes keys and values
 * ({@link Ops#poolKeys}; a CPU-scale departure, off in the faithful configuration).
 * Reference: {@code network/SAM_NuSCNet_modules.py} {@code TypeDecoderV3}.
 */
final class TypeDecoderBlock extends AbstractBlock {

    private static final String[] FUSION_NAMES = {"fusion_stage_1", "fusion_stage_2",
        "final_fusion"};

    private final int[] widths;
    private final int types;
    private final IndexedSequentialBlock[] ups = new IndexedSequentialBlock[3];
    private final PromptTokens[] prompts = new PromptTokens[3];
    private final PromptCross[] cross = new PromptCross[3];
    private final Pbsf[] fusions = new Pbsf[3];
    private final IndexedSequentialBlock lastFeat;
    private final Block lastPred;

    TypeDecoderBlock(int fusion, int[] skipChannels, int headChannels, int types, int heads,
            int promptLength, int queryChunk, int keyGrid) {
        this.widths = new int[] {fusion / 2, fusion / 4, fusion / 8};
        this.types = types;
        ContainerBlock upContainer = new ContainerBlock();
        ContainerBlock promptContainer = new ContainerBlock();
        ContainerBlock crossContainer = new ContainerBlock();
        ContainerBlock feats = new ContainerBlock();
        ContainerBlock preds = new ContainerBlock();
        int in = fusion;
        IndexedSequentialBlock feat = null;
        Block pred = null;
        for (int i = 0; i < 3; i++) {
            int b = widths[i];
            ups[i] = Ops.up(in, b);
            upContainer.add(ups[i], Layers.nchw(in));
            prompts[i] = new PromptTokens(b, promptLength, heads);
            promptContainer.add(prompts[i], Layers.nchw(b));
            cross[i] = new PromptCross(b, heads, queryChunk);
            crossContainer.add(cross[i], Layers.nchw(b));
            fusions[i] = new Pbsf(b, skipChannels[i], heads, queryChunk, keyGrid);
            feat = new IndexedSequentialBlock()
                    .add(Layers.conv(headChannels, 1, 1, 0, false), Layers.nchw(b))
                    .add(Layers.batchNorm(), Layers.nchw(headChannels))
                    .add(Activation::relu);
            feats.add(feat, Layers.nchw(b));
            pred = Layers.conv(types, 1, 1, 0, true);
            preds.add(pred, Layers.nchw(headChannels));
            in = b;
        }
        lastFeat = feat;
        lastPred = pred;
        addChildBlock("upsamples", upContainer);
        addChildBlock("prompt_tokens", promptContainer);
        addChildBlock("cross_attn_blocks", crossContainer);
        for (int i = 0; i < 3; i++) {
            addChildBlock(FUSION_NAMES[i], fusions[i]);
        }
        addChildBlock("head_feats", feats);
        addChildBlock("head_preds", preds);
    }

    /** Keys (relative to this block) of the heads that are never computed. */
    static List<String> unusedKeys() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            keys.add("head_feats." + i + ".0.weight");
            keys.add("head_feats." + i + ".1.weight");
            keys.add("head_feats." + i + ".1.bias");
            keys.add("head_preds." + i + ".weight");
            keys.add("head_preds." + i + ".bias");
        }
        return keys;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        for (int i = 0; i < 3; i++) {
            x = Ops.run(ups[i], ps, x, training, params);
            NDArray p = prompts[i].forward(ps, new NDList(x), training, params)
                    .singletonOrThrow();
            x = cross[i].forward(ps, new NDList(x, p), training, params).singletonOrThrow();
            x = fusions[i].forward(ps, new NDList(x, inputs.get(1 + i), inputs.get(4 + i)),
                    training, params).singletonOrThrow();
        }
        NDArray f = Ops.run(lastFeat, ps, x, training, params);
        return new NDList(Ops.run(lastPred, ps, f, training, params));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        for (Block b : getChildren().values()) {
            b.initialize(manager, dataType, Layers.nchw(1));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape z = inputShapes[0];
        return new Shape[] {new Shape(z.get(0), types, 8 * z.get(2), 8 * z.get(3))};
    }

    /** LayerNorm over the last axis with PyTorch's ε. */
    private static Block layerNorm() {
        return Layers.layerNorm(1e-5f, 2);
    }

    /** {@code Lin(b → 4b) → GELU → Lin(4b → b)} as an indexed sequence, optionally after a LN. */
    private static IndexedSequentialBlock ffn(int b, boolean leadingNorm) {
        IndexedSequentialBlock s = new IndexedSequentialBlock();
        if (leadingNorm) {
            s.add(layerNorm(), new Shape(1, b));
        }
        return s.add(Layers.linear(4 * b, true), new Shape(1, b))
                .add(a -> a.getNDArrayInternal().gelu())
                .add(Layers.linear(b, true), new Shape(1, 4L * b));
    }

    /** Learnable prompt tokens refined by one self-attention layer ({@code prompt_tokens.i}). */
    static final class PromptTokens extends AbstractBlock {
        private final int b;
        private final Parameter prompt;
        private final CrossAttentionBlock attn;
        private final Block norm;
        private final IndexedSequentialBlock ffn;

        PromptTokens(int b, int length, int heads) {
            this.b = b;
            prompt = addParameter(Parameter.builder().setName("prompt")
                    .setType(Parameter.Type.OTHER).optShape(new Shape(length, b))
                    .optInitializer(new NormalInitializer(1f)).build());
            attn = new CrossAttentionBlock(b, heads, 0);
            norm = layerNorm();
            ffn = ffn(b, false);
            addChildBlock("processor", new ContainerBlock()
                    .add("attn", attn, new Shape(1, 1, b))
                    .add("norm", norm, new Shape(1, b))
                    .add("ffn", ffn, new Shape(1, b)));
        }

        /** Input: the stage map (for its batch size and device); output {@code (N, P, b)}. */
        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray x = inputs.head();
            NDArray p0 = ParameterViews.value(ps, prompt, x, training)
                    .expandDims(0);
            NDArray p = p0.add(attn.forward(ps, new NDList(p0, p0, p0), training, params)
                    .singletonOrThrow());
            p = p.add(Ops.run(ffn, ps, Ops.run(norm, ps, p, training, params), training,
                    params));
            Shape ps0 = p.getShape();
            return new NDList(p.broadcast(new Shape(x.getShape().get(0), ps0.get(1),
                    ps0.get(2))));
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType,
                Shape... inputShapes) {
            getChildren().get(0).getValue().initialize(manager, dataType, new Shape(1, b));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), prompt.getShape().get(0), b)};
        }
    }

    /** Prompt cross attention of one stage ({@code cross_attn_blocks.i}). */
    static final class PromptCross extends AbstractBlock {
        private final int b;
        private final Block query;
        private final Block key;
        private final Block value;
        private final Block out;
        private final CrossAttentionBlock attn;
        private final IndexedSequentialBlock ffn;
        private final Block norm;

        PromptCross(int b, int heads, int queryChunk) {
            this.b = b;
            query = addChildBlock("query_proj", Layers.linear(b, true));
            key = addChildBlock("key_proj", Layers.linear(b, true));
            value = addChildBlock("value_proj", Layers.linear(b, true));
            out = addChildBlock("out_proj", Layers.linear(b, true));
            attn = addChildBlock("attn", new CrossAttentionBlock(b, heads, queryChunk));
            ffn = addChildBlock("ffn", ffn(b, true));
            norm = addChildBlock("norm", layerNorm());
        }

        /** Inputs: the map {@code (N, b, H, W)} and the prompts {@code (N, P, b)}. */
        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray x = inputs.get(0);
            NDArray p = inputs.get(1);
            NDArray xp = Ops.avgPool(x, 2);
            Shape ps2 = xp.getShape();
            NDArray a = attn.forward(ps, new NDList(
                    Ops.run(query, ps, Ops.tokens(xp), training, params),
                    Ops.run(key, ps, p, training, params),
                    Ops.run(value, ps, p, training, params)), training, params)
                    .singletonOrThrow();
            a = a.add(Ops.run(ffn, ps, Ops.run(norm, ps, a, training, params), training,
                    params));
            a = Ops.map(Ops.run(out, ps, a, training, params), ps2.get(2), ps2.get(3));
            Shape xs = x.getShape();
            a = Resize.resize(a, (int) xs.get(2), (int) xs.get(3), Resize.Mode.BILINEAR, false);
            return new NDList(x.add(a));
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType,
                Shape... inputShapes) {
            for (Block c : getChildren().values()) {
                c.initialize(manager, dataType, c == attn ? new Shape(1, 1, b)
                        : new Shape(1, b));
            }
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }
    }

    /** Prompt-and-binary-guided skip fusion ({@code fusion_stage_1/2}, {@code final_fusion}). */
    static final class Pbsf extends AbstractBlock {
        private final int b;
        private final int skipIn;
        private final IndexedSequentialBlock skip;
        private final CrossAttentionBlock attn;
        private final IndexedSequentialBlock gate;
        private final IndexedSequentialBlock fuse;
        private final int keyGrid;

        Pbsf(int b, int skipIn, int heads, int queryChunk, int keyGrid) {
            this.b = b;
            this.skipIn = skipIn;
            this.keyGrid = keyGrid;
            skip = addChildBlock("skip_proj", Ops.convBnRelu(skipIn, b, 1, true));
            attn = addChildBlock("attn", new CrossAttentionBlock(b, heads, queryChunk));
            gate = addChildBlock("bin_gate", new IndexedSequentialBlock()
                    .add(Layers.conv(b, 1, 1, 0, true), Layers.nchw(b))
                    .add(Activation::sigmoid));
            fuse = addChildBlock("fuse", Ops.convBnRelu(b, b, 3, true));
        }

        /** Inputs: the map {@code x}, the skip {@code k}, the binary feature {@code β}. */
        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray x = inputs.get(0);
            NDArray s = Ops.tokens(Ops.poolKeys(Ops.run(skip, ps, inputs.get(1), training,
                    params), keyGrid));
            Shape xs = x.getShape();
            NDArray a = Ops.map(attn.forward(ps, new NDList(Ops.tokens(x), s, s), training,
                    params).singletonOrThrow(), xs.get(2), xs.get(3));
            NDArray g = Ops.run(gate, ps, inputs.get(2), training, params);
            a = x.mul(g.neg().add(1f)).add(a.mul(g));
            return new NDList(Ops.run(fuse, ps, x.add(a), training, params));
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType,
                Shape... inputShapes) {
            skip.initialize(manager, dataType, Layers.nchw(skipIn));
            attn.initialize(manager, dataType, new Shape(1, 1, b));
            gate.initialize(manager, dataType, Layers.nchw(b));
            fuse.initialize(manager, dataType, Layers.nchw(b));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }
    }
}
