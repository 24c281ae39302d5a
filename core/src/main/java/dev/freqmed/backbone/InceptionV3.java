package dev.freqmed.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.BatchNorms;
import dev.freqmed.nn.Layers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Inception-V3 up to its 2048-d pool features (Szegedy et al. 2016), with torchvision's module
 * and parameter names ({@code Conv2d_1a_3x3.conv.weight}, {@code Mixed_5b.branch1x1.bn.running_var},
 * …) so that torchvision's {@code inception_v3} state dict and pytorch-fid's
 * {@code pt_inception-2015-12-05} file (the TensorFlow FID network ported to PyTorch) load by
 * key. Every convolution has no bias and is followed by BatchNorm (ε 0.001) and ReLU. The
 * classifier ({@code fc}) and the auxiliary head ({@code AuxLogits}) are not part of this block.
 *
 * <p>Two variants differ only in pooling: {@link Variant#TORCHVISION} average-pools the pool
 * branches of the A, C and E modules counting the zero padding; {@link Variant#FID} (pytorch-fid
 * {@code FIDInceptionA/C/E_1/E_2}, matching TensorFlow's graph) leaves the padding out of the
 * average and max-pools the pool branch of {@code Mixed_7c}.
 *
 * <p>Input {@code (N, 3, H, W)} already normalised (clean-fid: {@code (x − 128)/128} of 0..255
 * values at 299×299); output {@code (N, 2048)}, the spatial mean of {@code Mixed_7c}. Shape trace
 * at 299²: 149² (32) → 147² (32) → 147² (64) → max-pool 73² → 73² (80) → 71² (192) → max-pool 35²
 * → {@code Mixed_5b..5d} 35² (256, 288, 288) → {@code Mixed_6a} 17² (768) → {@code 6b..6e} 17²
 * (768) → {@code Mixed_7a} 8² (1280) → {@code 7b}, {@code 7c} 8² (2048) → mean.
 * Reference: torchvision {@code models/inception.py} (v0.14), pytorch-fid {@code inception.py}.
 */
public final class InceptionV3 extends AbstractBlock {

    /** Pool features. */
    public static final int FEATURES = 2048;

    /** Which pooling the modules use (see the class comment). */
    public enum Variant {
        /** torchvision's {@code Inception3}. */
        TORCHVISION,
        /** pytorch-fid's FID Inception (TensorFlow's graph). */
        FID
    }

    /** The stages in order; {@code "pool"} is a 3×3 stride-2 max-pool. */
    private static final List<String> STAGES = List.of("Conv2d_1a_3x3", "Conv2d_2a_3x3",
            "Conv2d_2b_3x3", "pool", "Conv2d_3b_1x1", "Conv2d_4a_3x3", "pool", "Mixed_5b",
            "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
            "Mixed_7a", "Mixed_7b", "Mixed_7c");

    private final Variant variant;
    private final Map<String, Block> stages = new LinkedHashMap<>();

    /** Builds the network; weights come from a state dict (nothing is allocated yet). */
    public InceptionV3(Variant variant) {
        super((byte) 1);
        this.variant = variant;
        boolean fid = variant == Variant.FID;
        stage("Conv2d_1a_3x3", new ConvBn(3, 32, 3, 3, 2, 0, 0));
        stage("Conv2d_2a_3x3", new ConvBn(32, 32, 3, 3, 1, 0, 0));
        stage("Conv2d_2b_3x3", new ConvBn(32, 64, 3, 3, 1, 1, 1));
        stage("Conv2d_3b_1x1", new ConvBn(64, 80, 1, 1, 1, 0, 0));
        stage("Conv2d_4a_3x3", new ConvBn(80, 192, 3, 3, 1, 0, 0));
        stage("Mixed_5b", new ModuleA(192, 32, fid));
        stage("Mixed_5c", new ModuleA(256, 64, fid));
        stage("Mixed_5d", new ModuleA(288, 64, fid));
        stage("Mixed_6a", new ModuleB(288));
        stage("Mixed_6b", new ModuleC(768, 128, fid));
        stage("Mixed_6c", new ModuleC(768, 160, fid));
        stage("Mixed_6d", new ModuleC(768, 160, fid));
        stage("Mixed_6e", new ModuleC(768, 192, fid));
        stage("Mixed_7a", new ModuleD(768));
        stage("Mixed_7b", new ModuleE(1280, fid ? Pooling.AVERAGE_VALID : Pooling.AVERAGE));
        stage("Mixed_7c", new ModuleE(2048, fid ? Pooling.MAX : Pooling.AVERAGE));
    }

    private void stage(String name, Block b) {
        stages.put(name, addChildBlock(name, b));
    }

    /** The variant. */
    public Variant variant() {
        return variant;
    }

    /**
     * Every stage's output in order (the 18 stages of the class comment, the two max-pools
     * included), then the pool features: for shape traces and debugging.
     */
    public NDList trace(ParameterStore ps, NDArray x, boolean training) {
        NDList out = new NDList();
        for (String s : STAGES) {
            x = s.equals("pool") ? maxPool(x, 2, 0) : one(stages.get(s), ps, x, training);
            out.add(x);
        }
        out.add(Pool.globalAvgPool2d(x));
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) < 75 || s.get(3) < 75) {
            throw new IllegalArgumentException("Inception-V3 expects (N, 3, H, W) with H, W >= 75,"
                    + " found " + s);
        }
        for (String st : STAGES) {
            x = st.equals("pool") ? maxPool(x, 2, 0) : one(stages.get(st), ps, x, training);
        }
        return new NDList(Pool.globalAvgPool2d(x));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), FEATURES)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        for (Block b : stages.values()) {
            b.initialize(manager, dataType, inputShapes);
        }
    }

    private static NDArray one(Block b, ParameterStore ps, NDArray x, boolean training) {
        return b.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    private static NDArray maxPool(NDArray x, int stride, int pad) {
        return Pool.maxPool2d(x, new Shape(3, 3), new Shape(stride, stride),
                new Shape(pad, pad), false);
    }

    private static NDArray avgPool(NDArray x, boolean countPad) {
        NDArray sum = Pool.avgPool2d(x, new Shape(3, 3), new Shape(1, 1), new Shape(1, 1), false,
                true);
        if (countPad) {
            return sum;
        }
        // DEVIATION: DJL 0.35's avgPool2d ignores count_include_pad=False (measured), so the
        // padded mean is divided by the padded mean of ones, i.e. rescaled to the valid count.
        Shape s = x.getShape();
        NDArray ones = x.getManager().ones(new Shape(1, 1, s.get(2), s.get(3)), x.getDataType(),
                x.getDevice());
        NDArray valid = Pool.avgPool2d(ones, new Shape(3, 3), new Shape(1, 1), new Shape(1, 1),
                false, true);
        return sum.div(valid);
    }

    /** The pool branch of an E module. */
    private enum Pooling {
        AVERAGE, AVERAGE_VALID, MAX
    }

    /** torchvision's {@code BasicConv2d}: conv (no bias) → BatchNorm (ε 0.001) → ReLU. */
    private static final class ConvBn extends AbstractBlock {
        private final int in;
        private final int out;
        private final Conv2d conv;
        private final BatchNorm bn;

        ConvBn(int in, int out, int kh, int kw, int stride, int ph, int pw) {
            super((byte) 1);
            this.in = in;
            this.out = out;
            conv = addChildBlock("conv", Layers.conv(out, kh, kw, stride, ph, pw, false, 1));
            bn = addChildBlock("bn", BatchNorms.torch(1e-3f, 0.1f));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray y = conv.forward(ps, inputs, training).singletonOrThrow();
            y = bn.forward(ps, new NDList(y), training).singletonOrThrow();
            return new NDList(y.getNDArrayInternal().relu());
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            throw new UnsupportedOperationException("ask InceptionV3");
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType,
                Shape... inputShapes) {
            conv.initialize(manager, dataType, Layers.nchw(in));
            bn.initialize(manager, dataType, Layers.nchw(out));
        }
    }

    /** A module of named {@link ConvBn} branches; subclasses wire them. */
    private abstract static class Module extends AbstractBlock {
        private final Map<String, ConvBn> convs = new LinkedHashMap<>();
        private ParameterStore ps;
        private boolean training;

        Module() {
            super((byte) 1);
        }

        final void conv(String name, int in, int out, int kh, int kw, int stride, int ph,
                int pw) {
            convs.put(name, addChildBlock(name, new ConvBn(in, out, kh, kw, stride, ph, pw)));
        }

        final void conv(String name, int in, int out, int k, int stride, int pad) {
            conv(name, in, out, k, k, stride, pad, pad);
        }

        final NDArray c(String name, NDArray x) {
            return one(convs.get(name), ps, x, training);
        }

        abstract NDArray wire(NDArray x);

        @Override
        protected final NDList forwardInternal(ParameterStore ps, NDList inputs,
                boolean training, PairList<String, Object> params) {
            this.ps = ps;
            this.training = training;
            return new NDList(wire(inputs.singletonOrThrow()));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            throw new UnsupportedOperationException("ask InceptionV3");
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType,
                Shape... inputShapes) {
            for (ConvBn b : convs.values()) {
                b.initialize(manager, dataType, inputShapes);
            }
        }

        static NDArray cat(NDArray... parts) {
            return NDArrays.concat(new NDList(parts), 1);
        }
    }

    /** torchvision {@code InceptionA}: 1×1, 5×5, double 3×3 and pool branches at 35². */
    private static final class ModuleA extends Module {
        private final boolean fid;

        ModuleA(int in, int poolFeatures, boolean fid) {
            this.fid = fid;
            conv("branch1x1", in, 64, 1, 1, 0);
            conv("branch5x5_1", in, 48, 1, 1, 0);
            conv("branch5x5_2", 48, 64, 5, 1, 2);
            conv("branch3x3dbl_1", in, 64, 1, 1, 0);
            conv("branch3x3dbl_2", 64, 96, 3, 1, 1);
            conv("branch3x3dbl_3", 96, 96, 3, 1, 1);
            conv("branch_pool", in, poolFeatures, 1, 1, 0);
        }

        @Override
        NDArray wire(NDArray x) {
            return cat(c("branch1x1", x), c("branch5x5_2", c("branch5x5_1", x)),
                    c("branch3x3dbl_3", c("branch3x3dbl_2", c("branch3x3dbl_1", x))),
                    c("branch_pool", avgPool(x, !fid)));
        }
    }

    /** torchvision {@code InceptionB}: the 35² → 17² reduction. */
    private static final class ModuleB extends Module {
        ModuleB(int in) {
            conv("branch3x3", in, 384, 3, 2, 0);
            conv("branch3x3dbl_1", in, 64, 1, 1, 0);
            conv("branch3x3dbl_2", 64, 96, 3, 1, 1);
            conv("branch3x3dbl_3", 96, 96, 3, 2, 0);
        }

        @Override
        NDArray wire(NDArray x) {
            return cat(c("branch3x3", x),
                    c("branch3x3dbl_3", c("branch3x3dbl_2", c("branch3x3dbl_1", x))),
                    maxPool(x, 2, 0));
        }
    }

    /** torchvision {@code InceptionC}: factorised 7×7 branches at 17². */
    private static final class ModuleC extends Module {
        private final boolean fid;

        ModuleC(int in, int c7, boolean fid) {
            this.fid = fid;
            conv("branch1x1", in, 192, 1, 1, 0);
            conv("branch7x7_1", in, c7, 1, 1, 0);
            conv("branch7x7_2", c7, c7, 1, 7, 1, 0, 3);
            conv("branch7x7_3", c7, 192, 7, 1, 1, 3, 0);
            conv("branch7x7dbl_1", in, c7, 1, 1, 0);
            conv("branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0);
            conv("branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3);
            conv("branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0);
            conv("branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3);
            conv("branch_pool", in, 192, 1, 1, 0);
        }

        @Override
        NDArray wire(NDArray x) {
            NDArray b7 = c("branch7x7_3", c("branch7x7_2", c("branch7x7_1", x)));
            NDArray d = c("branch7x7dbl_1", x);
            for (int i = 2; i <= 5; i++) {
                d = c("branch7x7dbl_" + i, d);
            }
            return cat(c("branch1x1", x), b7, d, c("branch_pool", avgPool(x, !fid)));
        }
    }

    /** torchvision {@code InceptionD}: the 17² → 8² reduction. */
    private static final class ModuleD extends Module {
        ModuleD(int in) {
            conv("branch3x3_1", in, 192, 1, 1, 0);
            conv("branch3x3_2", 192, 320, 3, 2, 0);
            conv("branch7x7x3_1", in, 192, 1, 1, 0);
            conv("branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3);
            conv("branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0);
            conv("branch7x7x3_4", 192, 192, 3, 2, 0);
        }

        @Override
        NDArray wire(NDArray x) {
            NDArray b = c("branch7x7x3_1", x);
            for (int i = 2; i <= 4; i++) {
                b = c("branch7x7x3_" + i, b);
            }
            return cat(c("branch3x3_2", c("branch3x3_1", x)), b, maxPool(x, 2, 0));
        }
    }

    /** torchvision {@code InceptionE}: expanded 1×3/3×1 branches at 8². */
    private static final class ModuleE extends Module {
        private final Pooling pooling;

        ModuleE(int in, Pooling pooling) {
            this.pooling = pooling;
            conv("branch1x1", in, 320, 1, 1, 0);
            conv("branch3x3_1", in, 384, 1, 1, 0);
            conv("branch3x3_2a", 384, 384, 1, 3, 1, 0, 1);
            conv("branch3x3_2b", 384, 384, 3, 1, 1, 1, 0);
            conv("branch3x3dbl_1", in, 448, 1, 1, 0);
            conv("branch3x3dbl_2", 448, 384, 3, 1, 1);
            conv("branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1);
            conv("branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0);
            conv("branch_pool", in, 192, 1, 1, 0);
        }

        @Override
        NDArray wire(NDArray x) {
            NDArray a = c("branch3x3_1", x);
            a = cat(c("branch3x3_2a", a), c("branch3x3_2b", a));
            NDArray d = c("branch3x3dbl_2", c("branch3x3dbl_1", x));
            d = cat(c("branch3x3dbl_3a", d), c("branch3x3dbl_3b", d));
            NDArray p = switch (pooling) {
                case AVERAGE -> avgPool(x, true);
                case AVERAGE_VALID -> avgPool(x, false);
                case MAX -> maxPool(x, 1, 1);
            };
            return cat(c("branch1x1", x), a, d, c("branch_pool", p));
        }
    }
}
