package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.DotProductAttention;

/**
 * diffusers' {@code Attention} as the UNet's transformer blocks use it: {@code to_q} on the
 * query tokens, {@code to_k}/{@code to_v} on the context (the query tokens themselves for
 * self-attention), {@code heads} heads of width {@code headDim}, softmax of
 * {@code q kᵀ / sqrt(headDim)} ({@link DotProductAttention}), heads concatenated,
 * {@code to_out.0} (with bias). The VAE variant ({@link #vae}) has biases on q, k, v, one head
 * over all channels, a {@code group_norm} before the projections, works on a feature map and
 * adds the input back.
 * Reference: diffusers 0.25 {@code models/attention_processor.py} {@code Attention},
 * {@code AttnProcessor2_0}.
 *
 * <p>Token form: inputs {@code (N, L, dim)} and optionally a context {@code (N, S, ctxDim)};
 * output {@code (N, L, dim)}. VAE form: input and output {@code (N, C, H, W)}.
 */
public final class AttentionBlock extends SdBlock {

    private final int heads;
    private final int headDim;
    private final Block groupNorm;
    private final Block toQ;
    private final Block toK;
    private final Block toV;
    private final Block toOut;

    private AttentionBlock(SdLayers layers, String path, int dim, int contextDim, int heads,
            int headDim, boolean qkvBias, int groups, float eps) {
        this.heads = heads;
        this.headDim = headDim;
        int inner = heads * headDim;
        groupNorm = groups > 0 ? add("group_norm", SdLayers.groupNorm(groups, dim, eps)) : null;
        toQ = add("to_q", layers.linear(path + ".to_q", dim, inner, qkvBias));
        toK = add("to_k", layers.linear(path + ".to_k", contextDim, inner, qkvBias));
        toV = add("to_v", layers.linear(path + ".to_v", contextDim, inner, qkvBias));
        SdList out = add("to_out", new SdList());
        toOut = out.append(layers.linear(path + ".to_out.0", inner, dim, true));
    }

    /**
     * A UNet attention ({@code attn1} when {@code contextDim == dim} and no context is passed,
     * {@code attn2} for cross-attention).
     */
    public static AttentionBlock tokens(SdLayers layers, String path, int dim, int contextDim,
            int heads, int headDim) {
        return new AttentionBlock(layers, path, dim, contextDim, heads, headDim, false, 0, 0f);
    }

    /** The VAE mid-block attention: one head over {@code channels}, GroupNorm first, residual. */
    public static AttentionBlock vae(SdLayers layers, String path, int channels, int groups,
            float eps) {
        return new AttentionBlock(layers, path, channels, channels, 1, channels, true, groups,
                eps);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        if (groupNorm == null) {
            NDArray ctx = inputs.size() > 1 ? inputs.get(1) : x;
            return new NDList(attend(ps, x, ctx, training));
        }
        long n = x.getShape().get(0);
        long c = x.getShape().get(1);
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        NDArray t = call(groupNorm, ps, x, training).reshape(n, c, h * w).transpose(0, 2, 1);
        NDArray y = attend(ps, t, t, training).transpose(0, 2, 1).reshape(n, c, h, w);
        return new NDList(y.add(x));
    }

    private NDArray attend(ParameterStore ps, NDArray x, NDArray ctx, boolean training) {
        long n = x.getShape().get(0);
        long l = x.getShape().get(1);
        long s = ctx.getShape().get(1);
        NDArray q = call(toQ, ps, x, training).reshape(n, l, heads, headDim).transpose(0, 2, 1, 3);
        NDArray k = call(toK, ps, ctx, training).reshape(n, s, heads, headDim)
                .transpose(0, 2, 1, 3);
        NDArray v = call(toV, ps, ctx, training).reshape(n, s, heads, headDim)
                .transpose(0, 2, 1, 3);
        NDArray o = DotProductAttention.apply(q, k, v, 0).transpose(0, 2, 1, 3)
                .reshape(n, l, (long) heads * headDim);
        return call(toOut, ps, o, training);
    }
}
