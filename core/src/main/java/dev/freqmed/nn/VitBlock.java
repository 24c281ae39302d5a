package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A pre-norm vision-transformer block: {@code x = x + ls1(attn(norm1(x)))}, then
 * {@code x = x + ls2(mlp(norm2(x)))}, covering Segment Anything's image-encoder {@code Block}
 * (window attention with padding, decomposed relative positions, no LayerScale) and the timm /
 * DINOv2 / UNI {@code Block} (global attention, optional LayerScale).
 *
 * <p><b>Shapes.</b> A token grid {@code (N, H, W, C)} as in SAM, or tokens {@code (N, L, C)} as
 * in DINOv2 (CLS and register tokens included, if any); the output has the input's shape.
 * Window attention and relative positions need the grid form.
 *
 * <p><b>Window attention</b> ({@code windowSize > 0}): after {@code norm1} the grid is padded with
 * zeros at the bottom and right to multiples of the window, cut into
 * {@code windowSize × windowSize} windows attended independently, put back together and cropped,
 * as SAM's {@code window_partition} / {@code window_unpartition}. The padded zero tokens take part
 * in the attention as keys, as in SAM. With relative positions, windowed blocks size their tables
 * for the window ({@code 2·windowSize - 1} rows) and global blocks for the given input grid, as
 * SAM does. Window size 0 means global attention.
 *
 * <p><b>Children and keys</b>: {@code norm1}, {@code norm2} (LayerNorm on the last axis,
 * {@code weight}, {@code bias}), {@code attn} ({@link MultiHeadAttentionBlock}: {@code qkv},
 * {@code proj}, optionally {@code rel_pos_h}, {@code rel_pos_w}), {@code mlp}
 * ({@link MlpBlock}, {@code lin1/lin2} or {@code fc1/fc2}) and, with LayerScale, {@code ls1},
 * {@code ls2} ({@code gamma}). References: segment-anything {@code modeling/image_encoder.py}
 * {@code Block}; dinov2 {@code layers/block.py} {@code Block}; timm
 * {@code models/vision_transformer.py} {@code Block}. Stochastic depth ({@link DropPath}, timm's
 * {@code drop_path}) on both residual branches in training when a rate is given (default 0, as
 * SAM and UNI are built); it is the identity at inference.
 */
public final class VitBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int dim;
    private final int windowSize;
    private final double dropPath;
    private final LayerNorm norm1;
    private final MultiHeadAttentionBlock attn;
    private final LayerScaleBlock ls1;
    private final LayerNorm norm2;
    private final MlpBlock mlp;
    private final LayerScaleBlock ls2;

    private VitBlock(Builder b) {
        super(VERSION);
        this.dim = b.dim;
        this.windowSize = b.windowSize;
        this.dropPath = b.dropPath;
        norm1 = addChildBlock("norm1", LayerNorm.builder().axis(1).optEpsilon(b.eps).build());
        MultiHeadAttentionBlock.Builder ab = MultiHeadAttentionBlock.builder()
                .setDim(dim)
                .setHeads(b.heads)
                .optQkvBias(b.qkvBias)
                .optQueryChunk(b.queryChunk);
        if (b.relHeight > 0) {
            ab.optRelativePosition(windowSize > 0 ? windowSize : b.relHeight,
                    windowSize > 0 ? windowSize : b.relWidth);
        }
        attn = addChildBlock("attn", ab.build());
        ls1 = b.layerScale ? addChildBlock("ls1", new LayerScaleBlock(dim, b.layerScaleInit))
                : null;
        norm2 = addChildBlock("norm2", LayerNorm.builder().axis(1).optEpsilon(b.eps).build());
        mlp = addChildBlock("mlp", MlpBlock.builder()
                .setDim(dim)
                .setHidden(b.hidden > 0 ? b.hidden : (int) (dim * b.mlpRatio))
                .optNaming(b.naming)
                .build());
        ls2 = b.layerScale ? addChildBlock("ls2", new LayerScaleBlock(dim, b.layerScaleInit))
                : null;
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        if ((s.dimension() != 3 && s.dimension() != 4) || s.get(s.dimension() - 1) != dim) {
            throw new IllegalArgumentException("ViT block expects (N, L, " + dim + ") or (N, H, W, "
                    + dim + "), found " + s);
        }
        if (windowSize > 0 && s.dimension() != 4) {
            throw new IllegalArgumentException("window attention needs a token grid (N, H, W, "
                    + dim + "), found " + s);
        }
        NDArray y = norm1.forward(ps, inputs, training, params).singletonOrThrow();
        if (windowSize > 0) {
            y = partition(y, windowSize);
        }
        y = attn.forward(ps, new NDList(y), training, params).singletonOrThrow();
        if (windowSize > 0) {
            y = unpartition(y, windowSize, s);
        }
        if (ls1 != null) {
            y = ls1.forward(ps, new NDList(y), training, params).singletonOrThrow();
        }
        x = x.add(DropPath.apply(y, dropPath, training));
        y = norm2.forward(ps, new NDList(x), training, params).singletonOrThrow();
        y = mlp.forward(ps, new NDList(y), training, params).singletonOrThrow();
        if (ls2 != null) {
            y = ls2.forward(ps, new NDList(y), training, params).singletonOrThrow();
        }
        return new NDList(x.add(DropPath.apply(y, dropPath, training)));
    }

    /**
     * SAM {@code window_partition}: {@code (N, H, W, C)} → {@code (N·nh·nw, ws, ws, C)}, zero
     * padding at the bottom and right, windows in row-major order per sample.
     */
    static NDArray partition(NDArray x, int ws) {
        Shape s = x.getShape();
        long h = s.get(1);
        long w = s.get(2);
        long c = s.get(3);
        long padH = (ws - h % ws) % ws;
        long padW = (ws - w % ws) % ws;
        if (padH > 0 || padW > 0) {
            // NDArray.pad lists (before, after) from the last axis: C, W, H, N.
            x = x.pad(new Shape(0, 0, 0, padW, 0, padH, 0, 0), 0);
        }
        long nh = (h + padH) / ws;
        long nw = (w + padW) / ws;
        return x.reshape(s.get(0), nh, ws, nw, ws, c).transpose(0, 1, 3, 2, 4, 5)
                .reshape(-1, ws, ws, c);
    }

    /** SAM {@code window_unpartition}: the inverse of {@link #partition}, cropped to {@code s}. */
    static NDArray unpartition(NDArray windows, int ws, Shape s) {
        long h = s.get(1);
        long w = s.get(2);
        long nh = (h + ws - 1) / ws;
        long nw = (w + ws - 1) / ws;
        NDArray x = windows.reshape(s.get(0), nh, nw, ws, ws, -1).transpose(0, 1, 3, 2, 4, 5)
                .reshape(s.get(0), nh * ws, nw * ws, -1);
        if (nh * ws > h || nw * ws > w) {
            x = x.get(new NDIndex(":, :{}, :{}, :", h, w));
        }
        return x;
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        Shape tokens = new Shape(1, dim);
        norm1.initialize(manager, dataType, tokens);
        attn.initialize(manager, dataType, new Shape(1, 1, dim));
        if (ls1 != null) {
            ls1.initialize(manager, dataType, tokens);
            ls2.initialize(manager, dataType, tokens);
        }
        norm2.initialize(manager, dataType, tokens);
        mlp.initialize(manager, dataType, tokens);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "VitBlock(dim=" + dim + ", window=" + windowSize + ", " + attn + ", layerScale="
                + (ls1 != null) + ")";
    }

    /** Builder for {@link VitBlock}. */
    public static final class Builder {
        private int dim;
        private int heads;
        private double mlpRatio = 4.0;
        private int hidden;
        private boolean qkvBias = true;
        private float eps = 1e-6f;
        private boolean layerScale;
        private float layerScaleInit;
        private double dropPath;
        private int windowSize;
        private int relHeight;
        private int relWidth;
        private int queryChunk = 1024;
        private MlpBlock.Naming naming = MlpBlock.Naming.TIMM;

        private Builder() {}

        /**
         * Sets the token width {@code C} (required).
         *
         * @param dim positive width
         * @return this builder
         */
        public Builder setDim(int dim) {
            this.dim = dim;
            return this;
        }

        /**
         * Sets the number of attention heads (required).
         *
         * @param heads positive divisor of the width
         * @return this builder
         */
        public Builder setHeads(int heads) {
            this.heads = heads;
            return this;
        }

        /**
         * MLP hidden width as a multiple of {@code C} (default 4.0; the width is
         * {@code (int) (C · ratio)}, as in SAM and timm). Ignored when
         * {@link #optMlpHidden(int)} is set.
         *
         * @param mlpRatio positive ratio
         * @return this builder
         */
        public Builder optMlpRatio(double mlpRatio) {
            this.mlpRatio = mlpRatio;
            return this;
        }

        /**
         * MLP hidden width (default: from the ratio).
         *
         * @param hidden positive width
         * @return this builder
         */
        public Builder optMlpHidden(int hidden) {
            this.hidden = hidden;
            return this;
        }

        /**
         * Names of the MLP layers (default {@link MlpBlock.Naming#TIMM}; SAM needs
         * {@link MlpBlock.Naming#SAM}).
         *
         * @param naming the reference naming
         * @return this builder
         */
        public Builder optMlpNaming(MlpBlock.Naming naming) {
            this.naming = naming;
            return this;
        }

        /**
         * Whether {@code qkv} has a bias (default true).
         *
         * @param qkvBias bias flag
         * @return this builder
         */
        public Builder optQkvBias(boolean qkvBias) {
            this.qkvBias = qkvBias;
            return this;
        }

        /**
         * LayerNorm epsilon (default 1e-6, as SAM's image encoder and DINOv2).
         *
         * @param eps positive epsilon
         * @return this builder
         */
        public Builder optNormEps(float eps) {
            this.eps = eps;
            return this;
        }

        /**
         * Adds LayerScale {@code ls1}, {@code ls2} initialised to {@code initValue} (default: no
         * LayerScale).
         *
         * @param initValue initial factor, e.g. 1e-5
         * @return this builder
         */
        public Builder optLayerScale(float initValue) {
            this.layerScale = true;
            this.layerScaleInit = initValue;
            return this;
        }

        /**
         * Stochastic-depth rate of this block's two residual branches in training (default 0).
         *
         * @param rate probability in [0, 1) of dropping a sample's branch
         * @return this builder
         */
        public Builder optDropPath(double rate) {
            this.dropPath = rate;
            return this;
        }

        /**
         * Window size for window attention (default 0: global attention).
         *
         * @param windowSize non-negative window side in tokens
         * @return this builder
         */
        public Builder optWindowSize(int windowSize) {
            this.windowSize = windowSize;
            return this;
        }

        /**
         * Adds SAM's decomposed relative positions (default: none). A global block sizes its
         * tables for an {@code inputHeight × inputWidth} grid; a windowed block for the window.
         *
         * @param inputHeight grid height of the global tables
         * @param inputWidth grid width of the global tables
         * @return this builder
         */
        public Builder optRelativePosition(int inputHeight, int inputWidth) {
            this.relHeight = inputHeight;
            this.relWidth = inputWidth;
            return this;
        }

        /**
         * Queries per attention chunk (default 1024, 0 = no chunking); see
         * {@link MultiHeadAttentionBlock}.
         *
         * @param queryChunk non-negative chunk size
         * @return this builder
         */
        public Builder optQueryChunk(int queryChunk) {
            this.queryChunk = queryChunk;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the block
         * @throws IllegalArgumentException naming the offending field
         */
        public VitBlock build() {
            if (dim < 1) {
                throw new IllegalArgumentException("dim must be positive, found " + dim);
            }
            if (!(mlpRatio > 0) || hidden < 0 || (hidden == 0 && (int) (dim * mlpRatio) < 1)) {
                throw new IllegalArgumentException("MLP width must be positive, found ratio "
                        + mlpRatio + " and hidden " + hidden);
            }
            if (!(eps > 0)) {
                throw new IllegalArgumentException("eps must be positive, found " + eps);
            }
            if (!(dropPath >= 0 && dropPath < 1)) {
                throw new IllegalArgumentException("dropPath must be in [0, 1), found " + dropPath);
            }
            if (windowSize < 0) {
                throw new IllegalArgumentException(
                        "windowSize must be 0 (global) or positive, found " + windowSize);
            }
            if (relHeight < 0 || relWidth < 0 || (relHeight == 0) != (relWidth == 0)) {
                throw new IllegalArgumentException("relative position input size must be two"
                        + " positive sizes, found " + relHeight + "x" + relWidth);
            }
            if (naming == null) {
                throw new IllegalArgumentException("MLP naming must not be null");
            }
            return new VitBlock(this);
        }
    }
}
