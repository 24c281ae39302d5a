package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.tensor.HostArrays;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * diffusers' {@code UNet2DConditionModel} in the SD 2.x layout ({@link UNet2dConditionConfig}):
 * {@code conv_in}, the sinusoidal time projection (320 wide at SD size, {@code flip_sin_to_cos},
 * shift 0) and {@code time_embedding} ({@code linear_1}, SiLU, {@code linear_2}),
 * {@code down_blocks}, {@code mid_block}, {@code up_blocks} with the skip stack,
 * {@code conv_norm_out}, SiLU, {@code conv_out}. Keys are diffusers' own.
 *
 * <p>Inputs: the latent {@code (N, in, h, w)} (h, w multiples of the down factor), the timestep
 * {@code (N)} (float) and the context {@code (N, S, crossDim)}; output {@code (N, out, h, w)}
 * (the predicted noise). Reference: diffusers 0.25 {@code models/unets/unet_2d_condition.py},
 * {@code unet_2d_blocks.py} ({@code CrossAttnDownBlock2D}, {@code DownBlock2D},
 * {@code UNetMidBlock2DCrossAttn}, {@code UpBlock2D}, {@code CrossAttnUpBlock2D}),
 * {@code embeddings.py} ({@code get_timestep_embedding}, {@code TimestepEmbedding}).
 */
public final class UNet2dCondition extends SdBlock {

    private final UNet2dConditionConfig config;
    private final Block convIn;
    private final Block timeLinear1;
    private final Block timeLinear2;
    private final SdList downBlocks;
    private final Stage mid;
    private final SdList upBlocks;
    private final Block normOut;
    private final Block convOut;

    /**
     * @param layers leaf factory (LoRA plan)
     * @param c      sizes
     */
    public UNet2dCondition(SdLayers layers, UNet2dConditionConfig c) {
        this.config = c;
        int n = c.blockOut().size();
        int t = c.timeEmbedDim();
        int c0 = c.blockOut().get(0);
        float eps = UNet2dConditionConfig.EPS;
        convIn = add("conv_in", layers.conv("conv_in", c.inChannels(), c0, 3, 1, 1, true));
        Transformer2dBlock.Inner te = add("time_embedding", new Transformer2dBlock.Inner());
        timeLinear1 = te.put("linear_1", layers.linear("time_embedding.linear_1", c0, t, true));
        timeLinear2 = te.put("linear_2", layers.linear("time_embedding.linear_2", t, t, true));
        downBlocks = add("down_blocks", new SdList());
        int prev = c0;
        for (int i = 0; i < n; i++) {
            int out = c.blockOut().get(i);
            String p = "down_blocks." + i;
            Stage s = new Stage();
            for (int j = 0; j < c.layersPerBlock(); j++) {
                s.resnet(new ResnetBlock2d(layers, p + ".resnets." + j, j == 0 ? prev : out, out,
                        t, c.groups(), eps));
                if (c.crossAttention().get(i)) {
                    s.attention(new Transformer2dBlock(layers, p + ".attentions." + j, out,
                            c.heads().get(i), c.crossDim(), c.groups()));
                }
            }
            if (i < n - 1) {
                s.sampler("downsamplers", new Downsample2d(layers, p + ".downsamplers.0", out,
                        false));
            }
            s.finish();
            downBlocks.append(s);
            prev = out;
        }
        int top = c.blockOut().get(n - 1);
        mid = add("mid_block", new Stage());
        mid.resnet(new ResnetBlock2d(layers, "mid_block.resnets.0", top, top, t, c.groups(), eps));
        mid.attention(new Transformer2dBlock(layers, "mid_block.attentions.0", top,
                c.heads().get(n - 1), c.crossDim(), c.groups()));
        mid.resnet(new ResnetBlock2d(layers, "mid_block.resnets.1", top, top, t, c.groups(), eps));
        mid.finish();
        upBlocks = add("up_blocks", new SdList());
        int prevOut = top;
        for (int i = 0; i < n; i++) {
            int level = n - 1 - i;
            int out = c.blockOut().get(level);
            int in = c.blockOut().get(Math.max(level - 1, 0));
            String p = "up_blocks." + i;
            Stage s = new Stage();
            int count = c.layersPerBlock() + 1;
            for (int j = 0; j < count; j++) {
                int skip = j == count - 1 ? in : out;
                int resIn = j == 0 ? prevOut : out;
                s.resnet(new ResnetBlock2d(layers, p + ".resnets." + j, resIn + skip, out, t,
                        c.groups(), eps));
                if (c.crossAttention().get(level)) {
                    s.attention(new Transformer2dBlock(layers, p + ".attentions." + j, out,
                            c.heads().get(level), c.crossDim(), c.groups()));
                }
            }
            if (i < n - 1) {
                s.sampler("upsamplers", new Upsample2d(layers, p + ".upsamplers.0", out));
            }
            s.finish();
            upBlocks.append(s);
            prevOut = out;
        }
        normOut = add("conv_norm_out", SdLayers.groupNorm(c.groups(), c0, eps, true));
        convOut = add("conv_out", layers.conv("conv_out", c0, c.outChannels(), 3, 1, 1, true));
    }

    /** The sizes. */
    public UNet2dConditionConfig config() {
        return config;
    }

    /**
     * The sinusoidal timestep embedding of diffusers' {@code get_timestep_embedding} with
     * {@code flip_sin_to_cos=True}, {@code downscale_freq_shift=0}, computed in float32 as there:
     * frequencies {@code exp(-ln(10000)·i/half)}, {@code [cos(t·f), sin(t·f)]}.
     *
     * @param manager where the result lives
     * @param t       timesteps, one per sample
     * @param dim     embedding width (even)
     * @return {@code (N, dim)}
     */
    public static NDArray timestepEmbedding(NDManager manager, float[] t, int dim) {
        int half = dim / 2;
        float[] out = new float[t.length * dim];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (-Math.log(10000.0)) * i / half;
            float f = (float) Math.exp(exponent);
            for (int n = 0; n < t.length; n++) {
                float a = t[n] * f;
                out[n * dim + i] = (float) Math.cos(a);
                out[n * dim + half + i] = (float) Math.sin(a);
            }
        }
        return HostArrays.of(manager, out, new Shape(t.length, dim));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        AutoencoderKl.checkSize(x.getShape(), config.downFactor());
        float[] t = inputs.get(1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                .toFloatArray();
        NDArray ctx = inputs.get(2);
        NDArray emb = timestepEmbedding(x.getManager(), t, config.blockOut().get(0))
                .toDevice(x.getDevice(), false);
        emb = call(timeLinear2, ps, silu(call(timeLinear1, ps, emb, training)), training);
        NDArray h = call(convIn, ps, x, training);
        Deque<NDArray> skips = new ArrayDeque<>();
        skips.push(h);
        for (int i = 0; i < downBlocks.size(); i++) {
            h = ((Stage) downBlocks.get(i)).down(ps, h, emb, ctx, training, skips);
        }
        h = mid.middle(ps, h, emb, ctx, training);
        for (int i = 0; i < upBlocks.size(); i++) {
            h = ((Stage) upBlocks.get(i)).up(ps, h, emb, ctx, training, skips);
        }
        h = call(convOut, ps, call(normOut, ps, h, training), training);
        return new NDList(h);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), config.outChannels(), s.get(2), s.get(3))};
    }

    /** A down, mid or up block: ResNets, optional attentions, optional sampler. */
    static final class Stage extends SdBlock {
        private final SdList resnets = new SdList();
        private final SdList attentions = new SdList();
        private SdBlock sampler;
        private String samplerName;

        void resnet(ResnetBlock2d r) {
            resnets.append(r);
        }

        void attention(Transformer2dBlock a) {
            attentions.append(a);
        }

        void sampler(String name, SdBlock s) {
            samplerName = name;
            sampler = s;
        }

        void finish() {
            if (attentions.size() > 0) {
                add("attentions", attentions);
            }
            add("resnets", resnets);
            if (sampler != null) {
                SdList l = add(samplerName, new SdList());
                l.append(sampler);
            }
        }

        private NDArray layer(ParameterStore ps, int j, NDArray h, NDArray emb, NDArray ctx,
                boolean training) {
            h = call(resnets.get(j), ps, new NDList(h, emb), training).head();
            if (attentions.size() > 0) {
                h = call(attentions.get(j), ps, new NDList(h, ctx), training).head();
            }
            return h;
        }

        NDArray down(ParameterStore ps, NDArray h, NDArray emb, NDArray ctx, boolean training,
                Deque<NDArray> skips) {
            for (int j = 0; j < resnets.size(); j++) {
                h = layer(ps, j, h, emb, ctx, training);
                skips.push(h);
            }
            if (sampler != null) {
                h = call(sampler, ps, h, training);
                skips.push(h);
            }
            return h;
        }

        NDArray middle(ParameterStore ps, NDArray h, NDArray emb, NDArray ctx,
                boolean training) {
            h = call(resnets.get(0), ps, new NDList(h, emb), training).head();
            h = call(attentions.get(0), ps, new NDList(h, ctx), training).head();
            return call(resnets.get(1), ps, new NDList(h, emb), training).head();
        }

        NDArray up(ParameterStore ps, NDArray h, NDArray emb, NDArray ctx, boolean training,
                Deque<NDArray> skips) {
            for (int j = 0; j < resnets.size(); j++) {
                h = NDArrays.concat(new NDList(h, skips.pop()), 1);
                h = layer(ps, j, h, emb, ctx, training);
            }
            return sampler == null ? h : call(sampler, ps, h, training);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            throw new UnsupportedOperationException("called through the UNet");
        }
    }
}
