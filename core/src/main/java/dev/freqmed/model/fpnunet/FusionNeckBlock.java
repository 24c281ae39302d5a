package dev.freqmed.model.fpnunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.freqmed.nn.ContainerBlock;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.ParameterViews;
import dev.freqmed.nn.freq.PfaeBlock;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Resize;

/**
 * The progressive frequency-aware residual global fusion neck ({@code PFAEGlobalFusionNeckV5},
 * spec §4.3): image, SAM and UNI features fused at the token grid.
 * <pre>
 * MS = ms_enc(I): three Conv3-BN-ReLU (3 → inter) at 1, 1/2, 1/4 scale (average pooling, bilinear
 *      back up), concatenated, Conv1-BN-ReLU (3·inter → p)
 * WV = wave(I): Haar LL, LH, HL, HH (stride 2, per channel, buffer haar_kernels), bilinear back up,
 *      Conv3-BN-ReLU (12 → p)
 * ms, wv = bilinear down to the grid (align_corners=False)
 * x0 = fusion_proj(concat(sam_proj(S), uni_proj(U), ms_proj(ms), wave_proj(wv)))
 * z  = x0 + pfae(concat(x0, ms, wv));   Z = pos.fuse(z + pos.coord_conv.proj(coords(z)))
 * </pre>
 * Inputs: {@code I (N, 3, H, W)}, {@code S (N, Ds, g, g')}, {@code U (N, Du, g, g')}; outputs
 * {@code Z (N, F, g, g')} and the full-resolution {@code MS (N, p, H, W)} (read only by the
 * optional pixel skip, {@link FpnuNetConfig#pixelSkip()}). Keys as spec §9.3
 * ({@code ms_enc.scale{1,2,3}}, {@code ms_enc.fuse},
 * {@code wave.pool.haar_kernels}, {@code wave.conv}, {@code sam_proj}, {@code uni_proj},
 * {@code ms_proj}, {@code wave_proj}, {@code fusion_proj}, {@code pfae.*}, {@code pos.*}).
 * Reference: {@code network/sam_pfae_fusion_neck_modules.py} {@code PFAEGlobalFusionNeckV5},
 * {@code MultiScaleGlobalEncoderV3}, {@code WaveletTransformBlockV3},
 * {@code PositionEnhancedFusion}.
 */
final class FusionNeckBlock extends AbstractBlock {

    private static final float A = (float) (1 / Math.sqrt(2));
    /** LL, LH, HL, HH, rows top → bottom (spec §4.3). */
    static final float[] HAAR = {A, A, A, A, A, A, -A, -A, A, -A, A, -A, A, -A, -A, A};

    private final int samDim;
    private final int uniDim;
    private final int fusion;
    private final int pixel;
    private final IndexedSequentialBlock[] scales = new IndexedSequentialBlock[3];
    private final IndexedSequentialBlock msFuse;
    private final Parameter haar;
    private final IndexedSequentialBlock waveConv;
    private final Block samProj;
    private final Block uniProj;
    private final Block msProj;
    private final Block waveProj;
    private final Block fusionProj;
    private final PfaeBlock pfae;
    private final Block coordProj;
    private final IndexedSequentialBlock posFuse;
    private final ContainerBlock msContainer;
    private final ContainerBlock waveContainer;
    private final ContainerBlock posContainer;

    FusionNeckBlock(int samDim, int uniDim, int fusion, int pixel, int inter) {
        this.samDim = samDim;
        this.uniDim = uniDim;
        this.fusion = fusion;
        this.pixel = pixel;
        int sCh = (int) (fusion * 0.4);
        int uCh = (int) (fusion * 0.4);
        ContainerBlock ms = new ContainerBlock();
        for (int i = 0; i < 3; i++) {
            scales[i] = Ops.convBnRelu(3, inter, 3, true);
            ms.add("scale" + (i + 1), scales[i], Layers.nchw(3));
        }
        msFuse = Ops.convBnRelu(3 * inter, pixel, 1, true);
        ms.add("fuse", msFuse, Layers.nchw(3L * inter));
        msContainer = addChildBlock("ms_enc", ms);
        ContainerBlock wave = new ContainerBlock();
        HaarHolder holder = new HaarHolder();
        haar = holder.kernels;
        wave.add("pool", holder, Layers.nchw(3));
        waveConv = Ops.convBnRelu(12, pixel, 3, true);
        wave.add("conv", waveConv, Layers.nchw(12));
        waveContainer = addChildBlock("wave", wave);
        samProj = addChildBlock("sam_proj", Layers.conv(sCh, 1, 1, 0, false));
        uniProj = addChildBlock("uni_proj", Layers.conv(uCh, 1, 1, 0, false));
        msProj = addChildBlock("ms_proj", Layers.conv(pixel, 1, 1, 0, false));
        waveProj = addChildBlock("wave_proj", Layers.conv(pixel, 1, 1, 0, false));
        fusionProj = addChildBlock("fusion_proj", Layers.conv(fusion, 1, 1, 0, false));
        pfae = addChildBlock("pfae", new PfaeBlock(fusion + 2 * pixel, fusion + 2 * pixel,
                fusion, 3, 16));
        coordProj = Layers.conv(fusion, 1, 1, 0, false);
        posFuse = Ops.convBnRelu(fusion, fusion, 3, true);
        posContainer = addChildBlock("pos", new ContainerBlock()
                .add("coord_conv", new ContainerBlock().add("proj", coordProj,
                        Layers.nchw(fusion + 2L)), Layers.nchw(fusion))
                .add("fuse", posFuse, Layers.nchw(fusion)));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray img = inputs.get(0);
        NDArray s = inputs.get(1);
        NDArray u = inputs.get(2);
        int h = (int) img.getShape().get(2);
        int w = (int) img.getShape().get(3);
        int gh = (int) s.getShape().get(2);
        int gw = (int) s.getShape().get(3);
        NDArray a1 = Ops.run(scales[0], ps, img, training, params);
        NDArray a2 = Resize.resize(Ops.run(scales[1], ps, Ops.avgPool(img, 2), training, params),
                h, w, Resize.Mode.BILINEAR, false);
        NDArray a3 = Resize.resize(Ops.run(scales[2], ps, Ops.avgPool(img, 4), training, params),
                h, w, Resize.Mode.BILINEAR, false);
        NDArray msFull = Ops.run(msFuse, ps, NDArrays.concat(new NDList(a1, a2, a3), 1),
                training, params);
        NDArray haarBands = haar(img, ParameterViews.value(ps, haar, img, training));
        NDArray wvFull = Ops.run(waveConv, ps, Resize.resize(haarBands, h, w,
                Resize.Mode.BILINEAR, false), training, params);
        NDArray ms = Resize.resize(msFull, gh, gw, Resize.Mode.BILINEAR, false);
        NDArray wv = Resize.resize(wvFull, gh, gw, Resize.Mode.BILINEAR, false);
        NDArray x0 = Ops.run(fusionProj, ps, NDArrays.concat(new NDList(
                Ops.run(samProj, ps, s, training, params),
                Ops.run(uniProj, ps, u, training, params),
                Ops.run(msProj, ps, ms, training, params),
                Ops.run(waveProj, ps, wv, training, params)), 1), training, params);
        NDArray z = x0.add(Ops.run(pfae, ps, NDArrays.concat(new NDList(x0, ms, wv), 1),
                training, params));
        NDArray coords = Ops.run(coordProj, ps, PfaeBlock.withCoordinates(z), training, params);
        return new NDList(Ops.run(posFuse, ps, z.add(coords), training, params), msFull);
    }

    /**
     * The four stride-2 Haar bands of every channel, ordered (LL of all channels, LH, HL, HH):
     * {@code (N, 12, H/2, W/2)} from {@code (N, 3, H, W)}.
     */
    static NDArray haar(NDArray img, NDArray kernels) {
        Shape s = img.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long h2 = s.get(2) / 2;
        long w2 = s.get(3) / 2;
        // (N, C, h2, 2, w2, 2) → (N, C, h2, w2, 4) with the 2×2 cell in row-major order
        NDArray cells = img.reshape(n, c, h2, 2, w2, 2).transpose(0, 1, 2, 4, 3, 5)
                .reshape(n, c, h2, w2, 4);
        NDArray bands = cells.matMul(kernels.reshape(4, 4).transpose()); // (N, C, h2, w2, 4)
        return bands.transpose(0, 4, 1, 2, 3).reshape(n, 4 * c, h2, w2);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        msContainer.initialize(manager, dataType, Layers.nchw(3));
        waveContainer.initialize(manager, dataType, Layers.nchw(3));
        samProj.initialize(manager, dataType, Layers.nchw(samDim));
        uniProj.initialize(manager, dataType, Layers.nchw(uniDim));
        msProj.initialize(manager, dataType, Layers.nchw(pixel));
        waveProj.initialize(manager, dataType, Layers.nchw(pixel));
        fusionProj.initialize(manager, dataType,
                Layers.nchw(2L * (int) (fusion * 0.4) + 2L * pixel));
        pfae.initialize(manager, dataType, Layers.nchw(fusion + 2L * pixel));
        posContainer.initialize(manager, dataType, Layers.nchw(fusion));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[1];
        Shape img = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), fusion, s.get(2), s.get(3)),
            new Shape(img.get(0), pixel, img.get(2), img.get(3))};
    }

    /** Holds the persistent buffer {@code haar_kernels (4, 1, 2, 2)}; not trained. */
    static final class HaarHolder extends AbstractBlock {
        private final Parameter kernels;

        HaarHolder() {
            kernels = addParameter(Parameter.builder().setName("haar_kernels")
                    .setType(Parameter.Type.OTHER).optShape(new Shape(4, 1, 2, 2))
                    .optRequiresGrad(false)
                    .optInitializer(new HaarInit()).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            throw new UnsupportedOperationException("the Haar kernels are read by the neck");
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            throw new UnsupportedOperationException("the Haar kernels are read by the neck");
        }
    }

    /** Fills the Haar kernels. */
    static final class HaarInit implements Initializer {
        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            return HostArrays.of(manager, HAAR.clone(), shape).toType(dataType, false);
        }
    }
}
