package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.Layers;
import dev.freqmed.backbone.PvtV2;
import dev.freqmed.backbone.ResNet;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.WeightNameTable;
import dev.freqmed.model.HeldParameters;
import dev.freqmed.nn.freq.HighPassFilterBlock;
import dev.freqmed.tensor.Resize;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The FSANet network (spec §2; reference {@code lib/FSANet.py FSANet}). Input an
 * ImageNet-normalised batch (N, 3, S, S), S a multiple of 32; output the {@link NDList}
 * {@code (P1, P2, P3, P4, freq)}, each (N, 1, S, S): four logit maps (P1 final, P2..P4 deep
 * supervision) and the unsupervised high-pass magnitude map.
 *
 * <p>Child names are the reference attribute names, so walking the block tree gives the 1,133
 * reference state-dict keys (with BatchNorm's {@code num_batches_tracked} counted per BN).
 * {@code conv_up2..4} and {@code sff.bn_out} are held but unused, as in the reference.
 */
public final class FsaNet extends AbstractBlock implements WeightNameTable, HeldParameters {

    /** Names of the five outputs, in order. */
    public static final List<String> OUTPUTS = List.of("P1", "P2", "P3", "P4", "freq");

    private final FsaNetConfig config;
    private final int[] d = new int[4];
    private final int[] y = new int[4];
    private final int c21;
    private final int c31;
    private final int c41;
    private final int c32;
    private final int c43;

    private final SffBlock sff;
    private final HighPassFilterBlock frequency;
    private final PvtV2 backbone;
    private final ResNet resnetF;
    private final SeBlock[] se = new SeBlock[4];
    private final Conv2d[] convI = new Conv2d[4];
    private final HcfBlock[] rfb = new HcfBlock[4];
    private final UpBlock up42;
    private final UpBlock up44;
    private final UpBlock up32;
    private final UpBlock up412;
    private final DownBlock down12;
    private final DownBlock down14;
    private final DownBlock down18;
    private final DownBlock down22;
    private final DownBlock down24;
    private final DownBlock down32;
    private final DownBlock down212;
    private final DownBlock down214;
    private final DownBlock down312;
    private final DownBlock down322;
    private final Conv2d conv21;
    private final Conv2d[] convUp = new Conv2d[4];
    /** When not null, the forward pass records the shape of every named intermediate here. */
    private Map<String, Shape> trace;

    /** Builds the network described by {@code config}; initialise it before use. */
    public FsaNet(FsaNetConfig config) {
        this.config = config;
        for (int i = 0; i < 4; i++) {
            d[i] = config.pvtConfig().embedDims().get(i);
            y[i] = (config.resnetWidth() << i) * 4;
        }
        int n = config.neckChannels();
        // CSFM widths, spec §2.5; reference FSANet.forward.
        c21 = 4 * d[1];
        c31 = 4 * d[2];
        c41 = 4 * d[3];
        c32 = c21 + c31 + c41 / 2;
        c43 = c41 / 2 + c21 + c31 + c41;

        sff = addChildBlock("sff", new SffBlock(n));
        frequency = addChildBlock("frequency", new HighPassFilterBlock((float) config.radius()));
        backbone = addChildBlock("backbone", new PvtV2(config.pvtConfig(), 3));
        resnetF = addChildBlock("resnet_f", new ResNet(1, config.resnetWidth(),
                config.resnetDepths(), List.of("layer1", "layer2", "layer3_1", "layer4_1")));
        for (int i = 0; i < 4; i++) {
            se[i] = addChildBlock("se" + (i + 1), new SeBlock(d[i]));
        }
        for (int i = 0; i < 4; i++) {
            convI[i] = addChildBlock("conv_" + (i + 1), Layers.conv(d[i], 1, 1, 0, true));
        }
        int[] rfbIn = {d[0], c21, c32, c43};
        for (int i = 0; i < 4; i++) {
            rfb[i] = addChildBlock("rfb" + (i + 1) + "_after", new HcfBlock(rfbIn[i], n));
        }
        up42 = addChildBlock("upsample4_2", new UpBlock(d[3], d[2], 2));
        up44 = addChildBlock("upsample4_4", new UpBlock(d[3], d[1], 4));
        up32 = addChildBlock("upsample3_2", new UpBlock(d[2], d[1], 2));
        up412 = addChildBlock("upsample41_2", new UpBlock(c41, c41 / 2, 2));
        down12 = addChildBlock("down1_2", new DownBlock(d[0], d[1]));
        down14 = addChildBlock("down1_4", new DownBlock(d[0], d[1], d[2]));
        down18 = addChildBlock("down1_8", new DownBlock(d[0], d[1], d[2], d[3]));
        down22 = addChildBlock("down2_2", new DownBlock(d[1], d[2]));
        down24 = addChildBlock("down2_4", new DownBlock(d[1], d[1], d[3]));
        down32 = addChildBlock("down3_2", new DownBlock(d[2], d[3]));
        down212 = addChildBlock("down21_2", new DownBlock(c21, c21));
        down214 = addChildBlock("down21_4", new DownBlock(c21, c21, c21));
        down312 = addChildBlock("down31_2", new DownBlock(c31, c31));
        down322 = addChildBlock("down32_2", new DownBlock(c32, c41 / 2));
        conv21 = addChildBlock("conv2_1", Layers.conv(1, 3, 1, 1, true));
        for (int i = 0; i < 4; i++) {
            convUp[i] = addChildBlock("conv_up" + (i + 1), Layers.conv(n, 3, 1, 1, true));
        }
    }

    /** The configuration. */
    public FsaNetConfig config() {
        return config;
    }

    /**
     * Makes the following forward passes record the shapes of the spec's shape trace (§2.9):
     * {@code X1..X4}, {@code freq}, {@code Y1..Y4}, {@code x21}, {@code x31}, {@code x41},
     * {@code x32}, {@code x42}, {@code x43}, {@code rfb1..rfb4}, {@code out43}, {@code out432},
     * {@code out4321}, {@code P1..P4}.
     *
     * @param shapes receives the shapes (insertion order = computation order), or null to stop
     */
    public void traceShapes(Map<String, Shape> shapes) {
        trace = shapes;
    }

    private NDArray traced(String name, NDArray a) {
        if (trace != null) {
            trace.put(name, a.getShape());
        }
        return a;
    }

    /**
     * The official checkpoint's weights under this network's keys: the {@code model} entry of
     * {@code {'opech', 'model', 'optimizer', 'loss'}} (or a plain state dict), with every leading
     * {@code module.} removed; see {@link FsaNetWeights}.
     */
    @Override
    public Map<String, HostTensor> toNetworkKeys(Checkpoint source) throws IOException {
        return FsaNetWeights.networkKeys(source.tensors());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) % 32 != 0 || s.get(3) % 32 != 0) {
            throw new IllegalArgumentException("FSANet expects (N, 3, H, W) with H and W "
                    + "multiples of 32, found " + s);
        }
        NDList feats = backbone.forward(ps, inputs, training, params);
        NDArray freq = frequency.forward(ps, inputs, training, params).singletonOrThrow()
                .mean(new int[] {1}, true);
        NDList ys = resnetF.forward(ps, new NDList(freq), training, params);
        for (int i = 0; i < 4; i++) {
            traced("X" + (i + 1), feats.get(i));
        }
        traced("freq", freq);
        for (int i = 0; i < 4; i++) {
            traced("Y" + (i + 1), ys.get(i));
        }

        // MF: X_i' = X_i + se_i(conv_i(Y_i)), spec §2.4.
        NDArray[] xs = new NDArray[4];
        for (int i = 0; i < 4; i++) {
            NDArray proj = one(convI[i], ys.get(i), ps, training, params);
            xs[i] = feats.get(i).add(one(se[i], proj, ps, training, params));
        }
        // CSFM, spec §2.5 (concatenation order as in the reference).
        NDArray x1d2 = one(down12, xs[0], ps, training, params);
        NDArray x1d4 = one(down14, xs[0], ps, training, params);
        NDArray x1d8 = one(down18, xs[0], ps, training, params);
        NDArray x2d2 = one(down22, xs[1], ps, training, params);
        NDArray x2d4 = one(down24, xs[1], ps, training, params);
        NDArray x3d2 = one(down32, xs[2], ps, training, params);
        NDArray x3u2 = one(up32, xs[2], ps, training, params);
        NDArray x4u2 = one(up42, xs[3], ps, training, params);
        NDArray x4u4 = one(up44, xs[3], ps, training, params);
        NDArray x21 = traced("x21", cat(x1d2, xs[1], x3u2, x4u4));
        NDArray x31 = traced("x31", cat(x1d4, x2d2, xs[2], x4u2));
        NDArray x41 = traced("x41", cat(x1d8, x2d4, x3d2, xs[3]));
        NDArray x21d2 = one(down212, x21, ps, training, params);
        NDArray x21d4 = one(down214, x21, ps, training, params);
        NDArray x31d2 = one(down312, x31, ps, training, params);
        NDArray x41u2 = one(up412, x41, ps, training, params);
        NDArray x32 = traced("x32", cat(x21d2, x31, x41u2));
        NDArray x42 = traced("x42", cat(x21d4, x31d2, x41));
        NDArray x43 = traced("x43", cat(one(down322, x32, ps, training, params), x42));
        // HCF, spec §2.6.
        NDArray r1 = traced("rfb1", one(rfb[0], xs[0], ps, training, params));
        NDArray r2 = traced("rfb2", one(rfb[1], x21, ps, training, params));
        NDArray r3 = traced("rfb3", one(rfb[2], x32, ps, training, params));
        NDArray r4 = traced("rfb4", one(rfb[3], x43, ps, training, params));
        // One shared SFF, three fusions top-down, spec §2.7.
        NDArray out43 = traced("out43",
                sff.forward(ps, new NDList(r3, r4), training, params).singletonOrThrow());
        NDArray out432 = traced("out432",
                sff.forward(ps, new NDList(r2, out43), training, params).singletonOrThrow());
        NDArray out4321 = traced("out4321",
                sff.forward(ps, new NDList(r1, out432), training, params).singletonOrThrow());
        // Shared heads, spec §2.8.
        NDArray[] maps = {out4321, out432, out43, r4};
        NDList outs = new NDList(5);
        long h = s.get(2);
        long w = s.get(3);
        for (int i = 0; i < 4; i++) {
            NDArray m = maps[i];
            m = Resize.scale(m, 2, Resize.Mode.BILINEAR, false);
            m = one(convUp[0], m, ps, training, params);
            m = one(conv21, m, ps, training, params);
            NDArray p = Resize.resize(m, (int) h, (int) w, Resize.Mode.BILINEAR, false);
            p.setName(OUTPUTS.get(i));
            outs.add(traced(OUTPUTS.get(i), p));
        }
        freq.setName(OUTPUTS.get(4));
        outs.add(freq);
        return outs;
    }

    private static NDArray one(AbstractBlock b, NDArray x, ParameterStore ps, boolean training,
            PairList<String, Object> params) {
        return b.forward(ps, new NDList(x), training, params).singletonOrThrow();
    }

    private static NDArray cat(NDArray... parts) {
        return NDArrays.concat(new NDList(parts), 1);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        int n = config.neckChannels();
        sff.initialize(manager, dataType, Layers.nchw(n));
        frequency.initialize(manager, dataType, new Shape(1, 3, 32, 32));
        backbone.initialize(manager, dataType, new Shape(1, 3, 32, 32));
        resnetF.initialize(manager, dataType, new Shape(1, 1, 32, 32));
        for (int i = 0; i < 4; i++) {
            se[i].initialize(manager, dataType, Layers.nchw(d[i]));
            convI[i].initialize(manager, dataType, Layers.nchw(y[i]));
        }
        int[] rfbIn = {d[0], c21, c32, c43};
        for (int i = 0; i < 4; i++) {
            rfb[i].initialize(manager, dataType, Layers.nchw(rfbIn[i]));
        }
        up42.initialize(manager, dataType, Layers.nchw(d[3]));
        up44.initialize(manager, dataType, Layers.nchw(d[3]));
        up32.initialize(manager, dataType, Layers.nchw(d[2]));
        up412.initialize(manager, dataType, Layers.nchw(c41));
        down12.initialize(manager, dataType, Layers.nchw(d[0]));
        down14.initialize(manager, dataType, Layers.nchw(d[0]));
        down18.initialize(manager, dataType, Layers.nchw(d[0]));
        down22.initialize(manager, dataType, Layers.nchw(d[1]));
        down24.initialize(manager, dataType, Layers.nchw(d[1]));
        down32.initialize(manager, dataType, Layers.nchw(d[2]));
        down212.initialize(manager, dataType, Layers.nchw(c21));
        down214.initialize(manager, dataType, Layers.nchw(c21));
        down312.initialize(manager, dataType, Layers.nchw(c31));
        down322.initialize(manager, dataType, Layers.nchw(c32));
        conv21.initialize(manager, dataType, Layers.nchw(n));
        for (Conv2d c : convUp) {
            c.initialize(manager, dataType, Layers.nchw(n));
        }
        // conv_up2..4 never enter the forward pass; as in the reference they get no gradient, so
        // no optimiser step (nor weight decay) touches them.
        for (int i = 1; i < 4; i++) {
            convUp[i].freezeParameters(true);
        }
    }

    /** {@code conv_up2..4} and {@code sff.bn_out}: held for the reference keys, never used. */
    @Override
    public Set<String> heldUnusedParameters() {
        Set<String> s = new java.util.LinkedHashSet<>();
        for (int i = 2; i <= 4; i++) {
            s.add("conv_up" + i + ".weight");
            s.add("conv_up" + i + ".bias");
        }
        s.add("sff.bn_out.weight");
        s.add("sff.bn_out.bias");
        return s;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Shape out = new Shape(in.get(0), 1, in.get(2), in.get(3));
        return new Shape[] {out, out, out, out, out};
    }
}
