package dev.freqmed.model.fpnunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.ContainerBlock;
import dev.freqmed.nn.CrossAttentionBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The HV decoder of FPNuNet ({@code HVDecoder}, spec §5.2): three {@code Up} stages; stages 0
 * and 1 fuse with a unified fusion attention (UFA), stage 2 with a token-reduced cross attention
 * (TRCA), and the last stage's head gives the two HV maps (linear output).
 * <pre>
 * UFA:  s = ReLU(BN(Conv1(k)));  q = tokens(Conv1(x)); kv = concat(s, β)
 *       a = Conv1(map(MHA(q, tokens(Conv1(kv)), tokens(Conv1(kv)))))
 *       g = σ(Conv1(concat(a, s, β)));  out = ReLU(BN(Conv3(g⊙a + (1−g)⊙s)))
 * TRCA: s = ReLU(BN(Conv1(k)));  q = tokens(Conv1(x))
 *       kv = tokens(Conv1(AdaptivePool16(concat(s, β))));  out = Conv1(map(MHA(q, kv, kv)))
 * </pre>
 * With {@code keyGrid > 0} the UFA keys and values are average-pooled first
 * ({@link Ops#poolKeys}; a CPU-scale departure, off in the faithful configuration).
 * Inputs {@code Z, k0, k1', k2', β0, β1, β2}; output {@code hv (N, 2, 8g, 8g')}. The heads of
 * stages 0 and 1 feed only deep supervision (off in the released run) and are not computed.
 * Keys: {@code upsamples.i}, {@code fusion_stage_{0,1}.{conv_skip, cross_attn.{q_proj, k_proj,
 * v_proj, attn, out_proj}, gate_conv, fuse_conv}}, {@code final_fusion.{q_proj, kv_proj, attn,
 * out_proj, conv_skip}}, {@code hv_heads.i}. Reference: {@code network/SAM_NuSCNet_modules.py}
 * {@code HVDecoder}, {@code UnifiedFusionAttentionBlock}, {@code TokenReducedCrossAttention}.
 */
final class HvDecoderBlock extends AbstractBlock {

    /** Side of the token grid the last stage's keys are pooled to ({@code AdaptiveAvgPool2d}). */
    static final int TRCA_GRID = 16;

    private final int[] widths;
    private final int[] skipChannels;
    private final IndexedSequentialBlock[] ups = new IndexedSequentialBlock[3];
    private final Ufa[] ufa = new Ufa[2];
    private final IndexedSequentialBlock trcaSkip;
    private final Block trcaQ;
    private final Block trcaKv;
    private final CrossAttentionBlock trcaAttn;
    private final Block trcaOut;
    private final IndexedSequentialBlock lastHead;

    HvDecoderBlock(int fusion, int[] skipChannels, int headChannels, int heads, int queryChunk,
            int keyGrid) {
        this.widths = new int[] {fusion / 2, fusion / 4, fusion / 8};
        this.skipChannels = skipChannels.clone();
        ContainerBlock upContainer = new ContainerBlock();
        int in = fusion;
        for (int i = 0; i < 3; i++) {
            ups[i] = Ops.up(in, widths[i]);
            upContainer.add(ups[i], Layers.nchw(in));
            in = widths[i];
        }
        addChildBlock("upsamples", upContainer);
        for (int i = 0; i < 2; i++) {
            ufa[i] = addChildBlock("fusion_stage_" + i, new Ufa(widths[i], skipChannels[i], heads,
                    queryChunk, keyGrid));
        }
        int b = widths[2];
        trcaQ = Layers.conv(b, 1, 1, 0, true);
        trcaKv = Layers.conv(b, 1, 1, 0, true);
        trcaAttn = new CrossAttentionBlock(b, heads, queryChunk);
        trcaOut = Layers.conv(b, 1, 1, 0, true);
        trcaSkip = Ops.convBnRelu(skipChannels[2], b, 1, true);
        addChildBlock("final_fusion", new ContainerBlock()
                .add("q_proj", trcaQ, Layers.nchw(b))
                .add("kv_proj", trcaKv, Layers.nchw(2L * b))
                .add("attn", trcaAttn, new Shape(1, 1, b))
                .add("out_proj", trcaOut, Layers.nchw(b))
                .add("conv_skip", trcaSkip, Layers.nchw(skipChannels[2])));
        ContainerBlock heads2 = new ContainerBlock();
        IndexedSequentialBlock head = null;
        for (int i = 0; i < 3; i++) {
            head = Ops.head(widths[i], headChannels, 2);
            heads2.add(head, Layers.nchw(widths[i]));
        }
        lastHead = head;
        addChildBlock("hv_heads", heads2);
    }

    /** Keys (relative to this block) of the heads that are never computed. */
    static List<String> unusedKeys() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (String k : new String[] {"0.weight", "1.weight", "1.bias", "3.weight",
                "3.bias"}) {
                keys.add("hv_heads." + i + "." + k);
            }
        }
        return keys;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        for (int i = 0; i < 2; i++) {
            x = Ops.run(ups[i], ps, x, training, params);
            x = ufa[i].forward(ps, new NDList(x, inputs.get(1 + i), inputs.get(4 + i)), training,
                    params).singletonOrThrow();
        }
        x = Ops.run(ups[2], ps, x, training, params);
        NDArray s = Ops.run(trcaSkip, ps, inputs.get(3), training, params);
        NDArray q = Ops.tokens(Ops.run(trcaQ, ps, x, training, params));
        // The reference pools to a fixed 16 × 16 grid (AdaptiveAvgPool2d), whatever the input.
        NDArray kv = Ops.tokens(Ops.run(trcaKv, ps, Ops.adaptiveAvgPool(NDArrays.concat(
                new NDList(s, inputs.get(6)), 1), TRCA_GRID, TRCA_GRID), training, params));
        NDArray a = trcaAttn.forward(ps, new NDList(q, kv, kv), training, params)
                .singletonOrThrow();
        Shape xs = x.getShape();
        x = Ops.run(trcaOut, ps, Ops.map(a, xs.get(2), xs.get(3)), training, params);
        return new NDList(Ops.run(lastHead, ps, x, training, params));
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
        return new Shape[] {new Shape(z.get(0), 2, 8 * z.get(2), 8 * z.get(3))};
    }

    /** UnifiedFusionAttentionBlock of one stage (width {@code b}). */
    static final class Ufa extends AbstractBlock {
        private final int b;
        private final IndexedSequentialBlock skip;
        private final Block q;
        private final Block k;
        private final Block v;
        private final CrossAttentionBlock attn;
        private final Block out;
        private final IndexedSequentialBlock gate;
        private final IndexedSequentialBlock fuse;

        Ufa(int b, int skipChannels, int heads, int queryChunk, int keyGrid) {
            this.b = b;
            this.keyGrid = keyGrid;
            skip = addChildBlock("conv_skip", Ops.convBnRelu(skipChannels, b, 1, true));
            q = Layers.conv(b, 1, 1, 0, true);
            k = Layers.conv(b, 1, 1, 0, true);
            v = Layers.conv(b, 1, 1, 0, true);
            attn = new CrossAttentionBlock(b, heads, queryChunk);
            out = Layers.conv(b, 1, 1, 0, true);
            addChildBlock("cross_attn", new ContainerBlock()
                    .add("q_proj", q, Layers.nchw(b))
                    .add("k_proj", k, Layers.nchw(2L * b))
                    .add("v_proj", v, Layers.nchw(2L * b))
                    .add("attn", attn, new Shape(1, 1, b))
                    .add("out_proj", out, Layers.nchw(b)));
            gate = addChildBlock("gate_conv", new IndexedSequentialBlock()
                    .add(Layers.conv(b, 1, 1, 0, true), Layers.nchw(3L * b))
                    .add(Activation::sigmoid));
            fuse = addChildBlock("fuse_conv", Ops.convBnRelu(b, b, 3, true));
            this.skipIn = skipChannels;
        }

        private final int skipIn;
        private final int keyGrid;

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray x = inputs.get(0);
            NDArray beta = inputs.get(2);
            NDArray s = Ops.run(skip, ps, inputs.get(1), training, params);
            NDArray kv = Ops.poolKeys(NDArrays.concat(new NDList(s, beta), 1), keyGrid);
            Shape xs = x.getShape();
            NDArray a = attn.forward(ps, new NDList(
                    Ops.tokens(Ops.run(q, ps, x, training, params)),
                    Ops.tokens(Ops.run(k, ps, kv, training, params)),
                    Ops.tokens(Ops.run(v, ps, kv, training, params))), training, params)
                    .singletonOrThrow();
            a = Ops.run(out, ps, Ops.map(a, xs.get(2), xs.get(3)), training, params);
            NDArray g = Ops.run(gate, ps, NDArrays.concat(new NDList(a, s, beta), 1), training,
                    params);
            NDArray mixed = g.mul(a).add(g.neg().add(1f).mul(s));
            return new NDList(Ops.run(fuse, ps, mixed, training, params));
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType,
                Shape... inputShapes) {
            skip.initialize(manager, dataType, Layers.nchw(skipIn));
            getChildren().get(1).getValue().initialize(manager, dataType, Layers.nchw(b));
            gate.initialize(manager, dataType, Layers.nchw(3L * b));
            fuse.initialize(manager, dataType, Layers.nchw(b));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }
    }
}
