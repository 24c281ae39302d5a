package dev.freqmed.nn.freq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import dev.freqmed.nn.ContainerBlock;
import dev.freqmed.nn.GroupNormBlock;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.RoutedConv2d;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Scalars;

/**
 * Progressive frequency-aware enhancement, FPNuNet's {@code PFAEv5Hybrid} with the DCT path
 * (spec §4.2). With {@code c = max(inDim / 2, minChannels)} and {@code h = 4} heads when
 * {@code c ≤ 64}, else 2:
 * <pre>
 * x0 = ReLU(BN(Conv3 nb(dim → inDim)(x)))                 down_conv
 * xr = ReLU(BN(Conv1 nb(inDim → c)(x0)))                  conv1
 * for i in 0..n−1:  f_i = ReLU(BN(DilConv3 nb(c → c), dilation 3 + 2i)(r))   stages.i
 *                   o_i = f_i + LFE(f_i);  r = xr + o_i      (r starts as xr)
 * g = ReLU(GN1(Conv1 nb(c → c)(GAP(xr)))) broadcast        conv6
 * y = ReLU(GN1(Conv1 nb((n + 2)c → c)(concat(xr, o_0..o_{n−1}, g))))   fuse
 * y = ReLU(BN(Conv1 nb(c → out)(y)))                       out_proj
 * y = Conv1 nb(out + 2 → out)(concat(y, X, Y))             coord (CoordConv, X = −1 + 2w/(W−1))
 * </pre>
 * and the light frequency enhancement, shared by all stages: {@code F = DCT2(f)}, per head the
 * L2-normalised channel spectra give {@code A = (Qn Qnᵀ) ⊙ τ} scaled row-wise by
 * {@code max |A| + 1e-6} (not a softmax), {@code G = IDCT2(A · Q)}, {@code L = IDCT2(CBAM(F))},
 * {@code LFE(f) = Conv1 nb(2c → c)(concat(G, L))} ({@code project_out}). The DCT is
 * {@link Dct2}; gradients flow through it (the reference's CPU fallback detaches it, its GPU
 * path does not).
 *
 * <p>Input {@code (N, dim, H, W)}, output {@code (N, out, H, W)}. Keys as spec §9.3:
 * {@code temperature (h, 1, 1)}, {@code down_conv.{0,1}}, {@code conv1.{0,1}}, {@code cbam.*},
 * {@code project_out}, {@code stages.i.{0,1}}, {@code conv6.{0,1}}, {@code fuse.{0,1}},
 * {@code out_proj.{0,1}}, {@code coord.proj}. Reference:
 * {@code network/sam_pfae_fusion_neck_modules.py} {@code PFAEv5Hybrid}.
 */
public final class PfaeBlock extends AbstractBlock {

    private final int dim;
    private final int inDim;
    private final int outDim;
    private final int c;
    private final int heads;
    private final int stagesCount;
    private final Parameter temperature;
    private final IndexedSequentialBlock downConv;
    private final IndexedSequentialBlock conv1;
    private final CbamBlock cbam;
    private final Block projectOut;
    private final ContainerBlock stages;
    private final IndexedSequentialBlock conv6;
    private final IndexedSequentialBlock fuse;
    private final IndexedSequentialBlock outProj;
    private final Block coordProj;

    /**
     * @param dim         input channels
     * @param inDim       channels after {@code down_conv}
     * @param outDim      output channels
     * @param stages      number of dilated stages {@code n}
     * @param minChannels lower bound of the working width {@code c}
     * @throws IllegalArgumentException for non-positive sizes
     */
    public PfaeBlock(int dim, int inDim, int outDim, int stages, int minChannels) {
        if (dim < 1 || inDim < 1 || outDim < 1 || stages < 1 || minChannels < 1) {
            throw new IllegalArgumentException("PFAE sizes must be positive, found dim=" + dim
                    + " inDim=" + inDim + " outDim=" + outDim + " stages=" + stages
                    + " minChannels=" + minChannels);
        }
        this.dim = dim;
        this.inDim = inDim;
        this.outDim = outDim;
        this.c = Math.max(inDim / 2, minChannels);
        this.heads = c <= 64 ? 4 : 2;
        if (c % heads != 0) {
            throw new IllegalArgumentException("PFAE width " + c + " is not divisible by its "
                    + heads + " heads");
        }
        this.stagesCount = stages;
        temperature = addParameter(Parameter.builder()
                .setName("temperature")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(heads, 1, 1))
                .optInitializer(new ConstantInitializer(1f))
                .build());
        downConv = addChildBlock("down_conv", convBnRelu(inDim, 3, 1, dim));
        conv1 = addChildBlock("conv1", convBnRelu(c, 1, 1, inDim));
        cbam = addChildBlock("cbam", new CbamBlock(c));
        projectOut = addChildBlock("project_out", Layers.conv(c, 1, 1, 0, false));
        this.stages = new ContainerBlock();
        for (int i = 0; i < stages; i++) {
            this.stages.add(convBnRelu(c, 3, 3 + 2 * i, c), Layers.nchw(c));
        }
        addChildBlock("stages", this.stages);
        conv6 = addChildBlock("conv6", convGnRelu(c, c));
        fuse = addChildBlock("fuse", convGnRelu(c, (stages + 2) * c));
        outProj = addChildBlock("out_proj", new IndexedSequentialBlock()
                .add(Layers.conv(outDim, 1, 1, 0, false), Layers.nchw(c))
                .add(Layers.batchNorm(), Layers.nchw(outDim))
                .add(Activation::relu));
        coordProj = Layers.conv(outDim, 1, 1, 0, false);
        addChildBlock("coord", new ContainerBlock().add("proj", coordProj,
                Layers.nchw(outDim + 2L)));
    }

    private static IndexedSequentialBlock convBnRelu(int out, int kernel, int dilation, int in) {
        int pad = kernel == 1 ? 0 : dilation;
        Block conv = RoutedConv2d.routedBuilder()
                .setFilters(out)
                .setKernelShape(new Shape(kernel, kernel))
                .optPadding(new Shape(pad, pad))
                .optDilation(new Shape(dilation, dilation))
                .optBias(false)
                .build();
        return new IndexedSequentialBlock()
                .add(conv, Layers.nchw(in))
                .add(Layers.batchNorm(), Layers.nchw(out))
                .add(Activation::relu);
    }

    private static IndexedSequentialBlock convGnRelu(int out, int in) {
        return new IndexedSequentialBlock()
                .add(Layers.conv(out, 1, 1, 0, false), Layers.nchw(in))
                .add(GroupNormBlock.builder().setGroups(1).setChannels(out).build(),
                        Layers.nchw(out))
                .add(Activation::relu);
    }

    /** The working width {@code c}. */
    public int width() {
        return c;
    }

    /** The number of spectral attention heads {@code h}. */
    public int heads() {
        return heads;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != dim) {
            throw new IllegalArgumentException("PFAE expects (N, " + dim + ", H, W), found " + s);
        }
        NDArray x0 = run(downConv, ps, x, training, params);
        NDArray xr = run(conv1, ps, x0, training, params);
        NDList outs = new NDList(xr);
        NDArray r = xr;
        NDArray tau = ps.getValue(temperature, x.getDevice(), training);
        for (int i = 0; i < stagesCount; i++) {
            NDArray f = run(stages.get(i), ps, r, training, params);
            NDArray o = f.add(lfe(ps, f, tau, training, params));
            r = xr.add(o);
            outs.add(o);
        }
        Shape xs = xr.getShape();
        NDArray gap = xr.reshape(xs.get(0), xs.get(1), xs.get(2) * xs.get(3))
                .mean(new int[] {2}, true).expandDims(3);
        NDArray g = run(conv6, ps, gap, training, params);
        outs.add(g.broadcast(xr.getShape()));
        NDArray y = run(fuse, ps, NDArrays.concat(outs, 1), training, params);
        y = run(outProj, ps, y, training, params);
        return new NDList(run(coordProj, ps, withCoordinates(y), training, params));
    }

    /** The light frequency enhancement of one stage output {@code f} {@code (N, c, H, W)}. */
    private NDArray lfe(ParameterStore ps, NDArray f, NDArray tau, boolean training,
            PairList<String, Object> params) {
        Shape s = f.getShape();
        long n = s.get(0);
        long h = s.get(2);
        long w = s.get(3);
        NDArray spec = Dct2.forward(f);
        NDArray q = spec.reshape(n, heads, c / heads, h * w);
        NDArray norm = Scalars.maximum(q.square().sum(new int[] {3}, true).sqrt(), 1e-12f);
        NDArray qn = q.div(norm);
        NDArray a = qn.matMul(qn.transpose(0, 1, 3, 2)).mul(tau);
        a = a.div(a.abs().max(new int[] {3}, true).add(1e-6f));
        NDArray g = Dct2.inverse(a.matMul(q).reshape(n, c, h, w));
        NDArray l = Dct2.inverse(run(cbam, ps, spec, training, params));
        return run(projectOut, ps, NDArrays.concat(new NDList(g, l), 1), training, params);
    }

    /**
     * Appends the CoordConv channels {@code X = −1 + 2w/(W−1)}, {@code Y = −1 + 2h/(H−1)}.
     *
     * @param y features {@code (N, C, H, W)}
     * @return {@code (N, C + 2, H, W)}
     */
    public static NDArray withCoordinates(NDArray y) {
        Shape s = y.getShape();
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        float[] xs = new float[h * w];
        float[] ys = new float[h * w];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                xs[i * w + j] = w > 1 ? -1f + 2f * j / (w - 1) : -1f;
                ys[i * w + j] = h > 1 ? -1f + 2f * i / (h - 1) : -1f;
            }
        }
        NDManager m = y.getManager();
        NDArray grid = HostArrays.of(m, concat(xs, ys), new Shape(1, 2, h, w))
                .toDevice(y.getDevice(), false).broadcast(new Shape(s.get(0), 2, h, w));
        return NDArrays.concat(new NDList(y, grid), 1);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] r = new float[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static NDArray run(Block b, ParameterStore ps, NDArray x, boolean training,
            PairList<String, Object> params) {
        return b.forward(ps, new NDList(x), training, params).singletonOrThrow();
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        for (Block b : getChildren().values()) {
            b.initialize(manager, dataType, Layers.nchw(b == projectOut ? 2L * c : c));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), outDim, s.get(2), s.get(3))};
    }

    @Override
    public String toString() {
        return "Pfae(dim=" + dim + ", inDim=" + inDim + ", c=" + c + ", heads=" + heads
                + ", stages=" + stagesCount + ", out=" + outDim + ")";
    }
}
