package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * diffusers' {@code Transformer2DModel} with a linear projection (SD 2.x): {@code norm}
 * (GroupNorm, eps 1e-6), tokens {@code (N, H·W, C)}, {@code proj_in}, one
 * {@code transformer_blocks.0} ({@code BasicTransformerBlock}: self-attention {@code attn1},
 * cross-attention {@code attn2} on the context, GEGLU feed-forward {@code ff}, each after its
 * LayerNorm and added back), {@code proj_out}, back to a map, plus the input.
 *
 * <p>Inputs {@code x (N, C, H, W)} and context {@code (N, S, crossDim)}; output like {@code x}.
 * Reference: diffusers 0.25 {@code models/transformer_2d.py}, {@code models/attention.py}
 * {@code BasicTransformerBlock}, {@code FeedForward}, {@code GEGLU}.
 */
public final class Transformer2dBlock extends SdBlock {

    private final Block norm;
    private final Block projIn;
    private final Block norm1;
    private final Block attn1;
    private final Block norm2;
    private final Block attn2;
    private final Block norm3;
    private final Block ffProj;
    private final Block ffOut;
    private final Block projOut;

    /**
     * @param layers   leaf factory
     * @param path     full module name, e.g. {@code down_blocks.0.attentions.0}
     * @param channels channels of the feature map (= inner width)
     * @param heads    attention heads
     * @param crossDim context width
     * @param groups   GroupNorm groups
     */
    public Transformer2dBlock(SdLayers layers, String path, int channels, int heads,
            int crossDim, int groups) {
        int headDim = channels / heads;
        norm = add("norm", SdLayers.groupNorm(groups, channels, 1e-6f));
        projIn = add("proj_in", layers.linear(path + ".proj_in", channels, channels, true));
        SdList blocks = add("transformer_blocks", new SdList());
        Inner t = blocks.append(new Inner());
        String p = path + ".transformer_blocks.0";
        norm1 = t.put("norm1", SdLayers.layerNorm(channels, 1e-5f));
        attn1 = t.put("attn1", AttentionBlock.tokens(layers, p + ".attn1", channels, channels,
                heads, headDim));
        norm2 = t.put("norm2", SdLayers.layerNorm(channels, 1e-5f));
        attn2 = t.put("attn2", AttentionBlock.tokens(layers, p + ".attn2", channels, crossDim,
                heads, headDim));
        norm3 = t.put("norm3", SdLayers.layerNorm(channels, 1e-5f));
        Inner ff = t.put("ff", new Inner());
        SdList net = ff.put("net", new SdList());
        Inner geglu = net.append(new Inner());
        ffProj = geglu.put("proj", layers.linear(p + ".ff.net.0.proj", channels, 8 * channels,
                true));
        net.append(new Inner()); // net.1 is dropout: no parameters
        ffOut = net.append(layers.linear(p + ".ff.net.2", 4 * channels, channels, true));
        projOut = add("proj_out", layers.linear(path + ".proj_out", channels, channels, true));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray ctx = inputs.get(1);
        long n = x.getShape().get(0);
        long c = x.getShape().get(1);
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        NDArray t = call(norm, ps, x, training).transpose(0, 2, 3, 1).reshape(n, h * w, c);
        t = call(projIn, ps, t, training);
        t = t.add(call(attn1, ps, call(norm1, ps, t, training), training));
        NDArray q = call(norm2, ps, t, training);
        t = t.add(call(attn2, ps, new NDList(q, ctx), training).head());
        NDList gates = call(ffProj, ps, call(norm3, ps, t, training), training).split(2, 2);
        NDArray ff = gates.get(0).mul(gates.get(1).getNDArrayInternal().gelu());
        t = t.add(call(ffOut, ps, ff, training));
        t = call(projOut, ps, t, training);
        return new NDList(t.reshape(n, h, w, c).transpose(0, 3, 1, 2).add(x));
    }

    /** A named container without a forward of its own (the owner calls its leaves). */
    static final class Inner extends SdBlock {
        Block put(String name, SdLayers.Layer layer) {
            return add(name, layer);
        }

        <T extends SdBlock> T put(String name, T block) {
            return add(name, block);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            throw new UnsupportedOperationException("called through its owner");
        }
    }
}
