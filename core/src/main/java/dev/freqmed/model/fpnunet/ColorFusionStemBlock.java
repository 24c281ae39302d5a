package dev.freqmed.model.fpnunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import dev.freqmed.data.stain.HedDeconvolution;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.ParameterViews;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Init;
import dev.freqmed.tensor.Scalars;
import java.util.Random;

/**
 * The stain-conditioned colour-fusion stem of the paper ({@code ColorFusionStemV3}, spec §2):
 * RGB and its HED colour deconvolution in, a 3-channel image out that replaces the network's
 * input. The released network never calls it; {@link FpnuNetConfig#colorStem()} switches it on.
 * <pre>
 * Fr = rgb_stem(R)                 Conv3(3 → m) BN GELU, depthwise Conv3(m → m) BN GELU
 * Fh, Fe, Fd = h_stem(H), e_stem(E), d_stem(D)    Conv3(1 → m) BN GELU each
 * w  = (1 − s)·scale_he + s·scale_ihc             s = 0 for H&amp;E, 1 for IHC
 * Fhed = w_H·Fh + w_E·Fe + w_D·Fd
 * L  = attn.gamma · σ(q_proj(Fr) ⊙ k_proj(Fhed)) ⊙ v_proj(Fhed) + Fr     (1×1 convolutions)
 * out = RGB + gamma · proj(L)                     proj: Conv1(m → 3)
 * </pre>
 * {@code R} is the RGB half ({@link FpnuNetConfig#COLOR_STEM_RGB}, as the paper describes the
 * stem) or the HED half ({@link FpnuNetConfig#COLOR_STEM_HED}: the reference module feeds its
 * {@code rgb_stem} the HED channels). Both {@code gamma}s start at 0, so the stem starts as the
 * identity on RGB; {@code scale_he} starts at (1, 0.5, 0) and {@code scale_ihc} at (1, 0, 1).
 * Convolutions are initialised Kaiming-normal (fan-in, ReLU gain) with zero biases, as the
 * reference module does ({@link #initialize(Random)}).
 *
 * <p>Inputs {@code RGB (N, 3, H, W)} and {@code HED (N, 3, H, W)} (see {@link #hed}); output
 * {@code (N, 3, H, W)}. Keys: {@code rgb_stem.{0,1,3,4}}, {@code h_stem.{0,1}},
 * {@code e_stem.{0,1}}, {@code d_stem.{0,1}}, {@code scale_he}, {@code scale_ihc},
 * {@code attn.{q_proj,k_proj,v_proj}}, {@code attn.gamma}, {@code proj}, {@code gamma}. The
 * reference's {@code stain_flag} buffer is the configuration's {@link FpnuNetConfig#stain()}.
 * Reference: {@code network/sam_pfae_fusion_neck_modules.py} {@code ColorFusionStemV3},
 * {@code LocalAttentionConv}.
 */
final class ColorFusionStemBlock extends AbstractBlock {

    /** Hidden width of every branch ({@code mid_ch}). */
    static final int WIDTH = 32;

    private final boolean rgbIntoRgbStem;
    private final float stainFlag;
    private final IndexedSequentialBlock rgbStem;
    private final IndexedSequentialBlock[] stainStems = new IndexedSequentialBlock[3];
    private final Parameter scaleHe;
    private final Parameter scaleIhc;
    private final LocalGateBlock attn;
    private final Block proj;
    private final Parameter gamma;

    /**
     * @param rgbIntoRgbStem true: {@code rgb_stem} reads the RGB half (the paper); false: the
     *                       HED half (the reference module)
     * @param ihc            true for an IHC stain (s = 1), false for H&amp;E (s = 0)
     */
    ColorFusionStemBlock(boolean rgbIntoRgbStem, boolean ihc) {
        this.rgbIntoRgbStem = rgbIntoRgbStem;
        this.stainFlag = ihc ? 1f : 0f;
        rgbStem = addChildBlock("rgb_stem", new IndexedSequentialBlock()
                .add(Layers.conv(WIDTH, 3, 3, 1, 1, 1, true, 1), Layers.nchw(3))
                .add(Layers.batchNorm(), Layers.nchw(WIDTH))
                .add(ColorFusionStemBlock::gelu)
                .add(Layers.conv(WIDTH, 3, 3, 1, 1, 1, true, WIDTH), Layers.nchw(WIDTH))
                .add(Layers.batchNorm(), Layers.nchw(WIDTH))
                .add(ColorFusionStemBlock::gelu));
        String[] names = {"h_stem", "e_stem", "d_stem"};
        for (int i = 0; i < 3; i++) {
            stainStems[i] = addChildBlock(names[i], new IndexedSequentialBlock()
                    .add(Layers.conv(WIDTH, 3, 1, 1, true), Layers.nchw(1))
                    .add(Layers.batchNorm(), Layers.nchw(WIDTH))
                    .add(ColorFusionStemBlock::gelu));
        }
        scaleHe = addParameter(vector("scale_he", 1f, 0.5f, 0f));
        scaleIhc = addParameter(vector("scale_ihc", 1f, 0f, 1f));
        attn = addChildBlock("attn", new LocalGateBlock(WIDTH));
        proj = addChildBlock("proj", Layers.conv(3, 1, 1, 0, true));
        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1)).optInitializer(new ConstantInitializer(0f)).build());
    }

    private static Parameter vector(String name, float... values) {
        return Parameter.builder().setName(name).setType(Parameter.Type.OTHER)
                .optShape(new Shape(values.length))
                .optInitializer((m, shape, type) -> HostArrays.of(m, values.clone(), shape)
                        .toType(type, false))
                .build();
    }

    private static NDArray gelu(NDArray x) {
        return x.getNDArrayInternal().gelu();
    }

    /**
     * The HED deconvolution of a network input, on scikit-image's scale (see
     * {@link HedDeconvolution}) and put on the scale of the RGB it comes with: times 255 for
     * pixel-scaled inputs ({@code pixel-minus-one}), as is for ImageNet-normalised ones. Not
     * differentiated (the input is data).
     *
     * @param x             the network input {@code (N, 3, H, W)}
     * @param normalization {@link FpnuNetConfig#PIXEL_MINUS_ONE} or {@link FpnuNetConfig#IMAGENET}
     * @return {@code (N, 3, H, W)}: haematoxylin, eosin, DAB
     */
    static NDArray hed(NDArray x, String normalization) {
        NDManager m = x.getManager();
        NDArray unit; // RGB in [0, 1]
        float scale;
        if (FpnuNetConfig.IMAGENET.equals(normalization)) {
            NDArray mean = HostArrays.of(m, new float[] {0.485f, 0.456f, 0.406f},
                    new Shape(1, 3, 1, 1)).toDevice(x.getDevice(), false);
            NDArray std = HostArrays.of(m, new float[] {0.229f, 0.224f, 0.225f},
                    new Shape(1, 3, 1, 1)).toDevice(x.getDevice(), false);
            unit = x.mul(std).add(mean);
            scale = 1f;
        } else {
            unit = Scalars.div(x.add(1f), 255);
            scale = 255f;
        }
        NDArray od = Scalars.div(Scalars.maximum(unit, 1e-6).log(), Math.log(1e-6));
        float[] mt = new float[9]; // (3 stains, 3 colours): hed_s = Σ_c od_c · M[c][s]
        for (int s = 0; s < 3; s++) {
            for (int c = 0; c < 3; c++) {
                mt[3 * s + c] = (float) HedDeconvolution.HED_FROM_RGB[c][s];
            }
        }
        NDArray w = HostArrays.of(m, mt, new Shape(3, 3)).toDevice(x.getDevice(), false);
        Shape sh = x.getShape();
        NDArray flat = od.reshape(sh.get(0), 3, sh.get(2) * sh.get(3));
        return Scalars.mul(Scalars.maximum(w.matMul(flat).reshape(sh), 0), scale).stopGradient();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray rgb = inputs.get(0);
        NDArray hed = inputs.get(1);
        if (rgb.getShape().dimension() != 4 || rgb.getShape().get(1) != 3
                || !rgb.getShape().equals(hed.getShape())) {
            throw new IllegalArgumentException("the colour stem expects RGB and HED of shape"
                    + " (N, 3, H, W) each, found " + rgb.getShape() + " and " + hed.getShape());
        }
        NDArray fr = Ops.run(rgbStem, ps, rgbIntoRgbStem ? rgb : hed, training, params);
        NDArray he = ParameterViews.value(ps, scaleHe, rgb, training);
        NDArray ihc = ParameterViews.value(ps, scaleIhc, rgb, training);
        NDArray w = Scalars.mul(he, 1 - stainFlag).add(Scalars.mul(ihc, stainFlag));
        NDArray fhed = null;
        for (int i = 0; i < 3; i++) {
            NDArray f = Ops.run(stainStems[i], ps, hed.get(new NDIndex(":, {}:{}", i, i + 1)),
                    training, params);
            NDArray term = f.mul(w.get(new NDIndex("{}:{}", i, i + 1)).reshape(1, 1, 1, 1));
            fhed = fhed == null ? term : fhed.add(term);
        }
        NDArray l = attn.forward(ps, new NDList(fr, fhed), training, params).singletonOrThrow();
        NDArray g = ParameterViews.value(ps, gamma, rgb, training);
        return new NDList(rgb.add(Ops.run(proj, ps, l, training, params).mul(g)));
    }

    /**
     * The reference module's initialisation of the convolutions (Kaiming-normal, fan-in, ReLU
     * gain; zero biases); norms, scales and gates keep their initial values.
     */
    void initialize(Random rng) {
        Init.applyKaimingNormal(this, rng);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        rgbStem.initialize(manager, dataType, Layers.nchw(3));
        for (IndexedSequentialBlock s : stainStems) {
            s.initialize(manager, dataType, Layers.nchw(1));
        }
        attn.initialize(manager, dataType, Layers.nchw(WIDTH), Layers.nchw(WIDTH));
        proj.initialize(manager, dataType, Layers.nchw(WIDTH));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    /**
     * {@code LocalAttentionConv}: {@code gamma · σ(q_proj(a) ⊙ k_proj(b)) ⊙ v_proj(b) + a},
     * 1×1 convolutions, {@code gamma} starting at 0.
     */
    static final class LocalGateBlock extends AbstractBlock {
        private final int width;
        private final Block q;
        private final Block k;
        private final Block v;
        private final Parameter gamma;

        LocalGateBlock(int width) {
            this.width = width;
            q = addChildBlock("q_proj", Layers.conv(width, 1, 1, 0, true));
            k = addChildBlock("k_proj", Layers.conv(width, 1, 1, 0, true));
            v = addChildBlock("v_proj", Layers.conv(width, 1, 1, 0, true));
            gamma = addParameter(Parameter.builder().setName("gamma")
                    .setType(Parameter.Type.OTHER).optShape(new Shape(1))
                    .optInitializer(new ConstantInitializer(0f)).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray a = inputs.get(0);
            NDArray b = inputs.get(1);
            NDArray gate = Activation.sigmoid(Ops.run(q, ps, a, training, params)
                    .mul(Ops.run(k, ps, b, training, params)));
            NDArray g = ParameterViews.value(ps, gamma, a, training);
            return new NDList(gate.mul(Ops.run(v, ps, b, training, params)).mul(g).add(a));
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType,
                Shape... inputShapes) {
            q.initialize(manager, dataType, Layers.nchw(width));
            k.initialize(manager, dataType, Layers.nchw(width));
            v.initialize(manager, dataType, Layers.nchw(width));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }
    }
}
