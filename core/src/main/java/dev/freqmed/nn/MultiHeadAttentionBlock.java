package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Scalars;

/**
 * Multi-head self-attention with one packed {@code qkv} projection, as the {@code Attention} of
 * Segment Anything's image encoder and of timm / DINOv2 vision transformers, optionally with
 * SAM's decomposed relative position terms.
 *
 * <p><b>Shapes.</b> Input tokens {@code (N, L, C)} or a token grid {@code (N, H, W, C)} with
 * {@code C = dim}; the output has the input's shape. A grid is attended as {@code L = H·W} tokens
 * in row-major order. Relative positions need the grid form.
 *
 * <p><b>Maths.</b> {@code qkv(x)} {@code (N, L, 3C)} is split as {@code (3, heads, C / heads)} on
 * its last axis (q, k, v outer, heads inner); per head, {@code A = softmax(q k^T · d^-1/2 + R)}
 * with {@code d = C / heads}, the heads of {@code A v} are concatenated and {@code proj} is
 * applied. Without relative positions {@code R = 0}. With them (SAM {@code
 * add_decomposed_rel_pos}, from MViTv2), for query {@code (qh, qw)} and key {@code (kh, kw)}:
 * {@code R = q · Rh[qh - kh + H - 1] + q · Rw[qw - kw + W - 1]} with the unscaled query, where
 * {@code Rh}, {@code Rw} are the tables {@code rel_pos_h} {@code (2·inputHeight - 1, d)} and
 * {@code rel_pos_w} {@code (2·inputWidth - 1, d)}, linearly resized along their length
 * ({@code F.interpolate(mode="linear", align_corners=False)}, as SAM's {@code get_rel_pos}) when
 * the grid is not {@code inputHeight × inputWidth}. Reference: segment-anything
 * {@code modeling/image_encoder.py} {@code Attention}, {@code get_rel_pos},
 * {@code add_decomposed_rel_pos}.
 *
 * <p><b>Kernel and query chunking.</b> Without relative positions the attention core is
 * {@link DotProductAttention}: the engine's fused kernel where the self-test passed it (linear
 * memory, forward and backward), else explicit products over chunks of {@code queryChunk}
 * queries. With relative positions the scores need the added terms, so the explicit path is
 * always taken: softmax runs over keys, so queries are processed in chunks exactly. A chunk holds
 * arrays of {@code N · heads · queryChunk · L} scores (four with relative positions), never the
 * full {@code L × L} matrix. At inference each chunk's temporaries are freed before the next chunk
 * starts; while autograd records, every chunk's probabilities are kept for the backward pass.
 *
 * <p><b>Parameters</b> (PyTorch keys): {@code qkv.weight} {@code (3C, C)}, {@code qkv.bias}
 * {@code (3C)} (unless disabled), {@code proj.weight} {@code (C, C)}, {@code proj.bias}
 * {@code (C)}, and with relative positions {@code rel_pos_h}, {@code rel_pos_w} (initialised to
 * zero, as SAM's {@code rel_pos_zero_init}). The linear layers use DJL's default initialiser;
 * {@code Init.applyTorchDefaults} gives PyTorch's.
 */
public final class MultiHeadAttentionBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int dim;
    private final int heads;
    private final int headDim;
    private final int queryChunk;
    private final int inputHeight;
    private final int inputWidth;
    private final Parameter relPosH;
    private final Parameter relPosW;
    private final Linear qkv;
    private final Linear proj;

    private MultiHeadAttentionBlock(Builder b) {
        super(VERSION);
        this.dim = b.dim;
        this.heads = b.heads;
        this.headDim = b.dim / b.heads;
        this.queryChunk = b.queryChunk;
        this.inputHeight = b.inputHeight;
        this.inputWidth = b.inputWidth;
        if (inputHeight > 0) {
            relPosH = addParameter(Parameter.builder()
                    .setName("rel_pos_h")
                    .setType(Parameter.Type.OTHER)
                    .optShape(new Shape(2L * inputHeight - 1, headDim))
                    .optInitializer(Initializer.ZEROS)
                    .build());
            relPosW = addParameter(Parameter.builder()
                    .setName("rel_pos_w")
                    .setType(Parameter.Type.OTHER)
                    .optShape(new Shape(2L * inputWidth - 1, headDim))
                    .optInitializer(Initializer.ZEROS)
                    .build());
        } else {
            relPosH = null;
            relPosW = null;
        }
        qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * dim).optBias(b.qkvBias).build());
        proj = addChildBlock("proj", Linear.builder().setUnits(dim).optBias(true).build());
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Token width {@code C}.
     *
     * @return the width
     */
    public int getDim() {
        return dim;
    }

    /**
     * Whether SAM's decomposed relative position terms are added.
     *
     * @return true when {@code rel_pos_h} and {@code rel_pos_w} exist
     */
    public boolean hasRelativePosition() {
        return relPosH != null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        boolean grid = s.dimension() == 4;
        if ((s.dimension() != 3 && !grid) || s.get(s.dimension() - 1) != dim) {
            throw new IllegalArgumentException("attention expects (N, L, " + dim + ") or (N, H, W, "
                    + dim + "), found " + s);
        }
        if (relPosH != null && !grid) {
            throw new IllegalArgumentException("relative positions need a token grid (N, H, W, "
                    + dim + "), found " + s);
        }
        long n = s.get(0);
        long len = grid ? s.get(1) * s.get(2) : s.get(1);
        NDArray tokens = x.reshape(n, len, dim);
        NDArray packed = qkv.forward(ps, new NDList(tokens), training, params).singletonOrThrow()
                .reshape(n, len, 3, heads, headDim).transpose(2, 0, 3, 1, 4);
        NDArray q = packed.get(0);
        NDArray k = packed.get(1);
        NDArray v = packed.get(2);
        NDArray out;
        if (relPosH == null) {
            out = DotProductAttention.apply(q, k, v, queryChunk);
        } else {
            NDList in = new NDList(Scalars.mul(q, Math.pow(headDim, -0.5)), k, v);
            NDArray[] rel = relativeTerms(ps, q, (int) s.get(1), (int) s.get(2), training);
            in.add(rel[0]);
            in.add(rel[1]);
            out = DotProductAttention.inChunks(in, len, queryChunk,
                    training || JniUtils.isGradMode(),
                    (a, from, to) -> attendRelative(a, from, to, s));
        }
        out = out.transpose(0, 2, 1, 3).reshape(n, len, dim);
        out = proj.forward(ps, new NDList(out), training, params).singletonOrThrow();
        return new NDList(out.reshape(s));
    }

    /**
     * Attention output of queries {@code [from, to)} with the relative terms added to the scores:
     * {@code (N, heads, to - from, d)}.
     *
     * @param in   scaled q, k, v {@code (N, heads, L, d)}, then the height and width terms
     *             {@code (N, heads, L, H)} and {@code (N, heads, L, W)}
     * @param grid the input grid shape
     */
    private static NDArray attendRelative(NDList in, long from, long to, Shape grid) {
        NDIndex rows = new NDIndex(":, :, {}:{}", from, to);
        NDArray q = in.get(0).get(rows);
        NDArray scores = q.matMul(in.get(1).transpose(0, 1, 3, 2));
        Shape ss = scores.getShape();
        scores = scores.reshape(ss.get(0), ss.get(1), ss.get(2), grid.get(1), grid.get(2))
                .add(in.get(3).get(rows).expandDims(4))
                .add(in.get(4).get(rows).expandDims(3))
                .reshape(ss);
        return scores.softmax(-1).matMul(in.get(2));
    }

    /**
     * SAM's decomposed relative terms for every query: {@code q · Rh} {@code (N, heads, L, H)}
     * and {@code q · Rw} {@code (N, heads, L, W)}, computed with the unscaled query.
     */
    private NDArray[] relativeTerms(ParameterStore ps, NDArray q, int h, int w,
            boolean training) {
        NDArray tableH = ps.getValue(relPosH, q.getDevice(), training);
        NDArray tableW = ps.getValue(relPosW, q.getDevice(), training);
        NDManager m = q.getManager();
        NDArray rh = relativeTable(m, tableH, h); // (H, H, d): rh[qh, kh]
        NDArray rw = relativeTable(m, tableW, w); // (W, W, d): rw[qw, kw]
        Shape qs = q.getShape();
        NDArray rq = q.reshape(qs.get(0), qs.get(1), h, w, headDim);
        // (N, heads, H, W, d) @ (H, d, H) broadcast over the query row → (N, heads, H, W, H)
        NDArray relH = rq.matMul(rh.transpose(0, 2, 1));
        // (N, heads, W, H, d) @ (W, d, W) broadcast over the query column → (N, heads, W, H, W)
        NDArray relW = rq.transpose(0, 1, 3, 2, 4).matMul(rw.transpose(0, 2, 1))
                .transpose(0, 1, 3, 2, 4);
        return new NDArray[] {
            relH.reshape(qs.get(0), qs.get(1), (long) h * w, h),
            relW.reshape(qs.get(0), qs.get(1), (long) h * w, w)
        };
    }

    /**
     * {@code get_rel_pos(size, size, table)}: {@code (size, size, d)} with entry {@code [i, j]} =
     * row {@code i - j + size - 1} of the table resized to {@code 2·size - 1} rows. Built as one
     * product with a host matrix whose rows select (or linearly blend) table rows, so it is
     * differentiable in the table. Temporaries go to {@code manager} (the forward's, not the
     * parameter's).
     */
    private NDArray relativeTable(NDManager manager, NDArray table, int size) {
        int length = (int) table.getShape().get(0);
        float[][] resize = linearResizeMatrix(length, 2 * size - 1);
        float[] select = new float[size * size * length];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                System.arraycopy(resize[i - j + size - 1], 0, select, (i * size + j) * length,
                        length);
            }
        }
        NDArray g = HostArrays.of(manager, select, new Shape((long) size * size, length))
                .toType(table.getDataType(), false);
        if (!g.getDevice().equals(table.getDevice())) {
            g = g.toDevice(table.getDevice(), false);
        }
        return g.matMul(table).reshape(size, size, headDim);
    }

    /**
     * Rows of {@code F.interpolate(mode="linear", align_corners=False)} from {@code in} to
     * {@code out} samples: {@code out × in}, each row summing to 1 (identity when equal).
     */
    static float[][] linearResizeMatrix(int in, int out) {
        float[][] m = new float[out][in];
        if (in == out) {
            for (int i = 0; i < out; i++) {
                m[i][i] = 1f;
            }
            return m;
        }
        // torch area_pixel_compute_source_index: src = scale·(dst + 0.5) − 0.5, clamped at 0.
        float scale = (float) in / out;
        for (int d = 0; d < out; d++) {
            float src = Math.max(scale * (d + 0.5f) - 0.5f, 0f);
            int i0 = (int) src;
            int i1 = i0 < in - 1 ? i0 + 1 : i0;
            float l1 = src - i0;
            m[d][i0] += 1f - l1;
            m[d][i1] += l1;
        }
        return m;
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        qkv.initialize(manager, dataType, new Shape(1, dim));
        proj.initialize(manager, dataType, new Shape(1, dim));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "MultiHeadAttention(dim=" + dim + ", heads=" + heads + ", queryChunk=" + queryChunk
                + (relPosH == null ? "" : ", relPos=" + inputHeight + "x" + inputWidth) + ")";
    }

    /** Builder for {@link MultiHeadAttentionBlock}. */
    public static final class Builder {
        private int dim;
        private int heads;
        private boolean qkvBias = true;
        private int queryChunk = 1024;
        private int inputHeight;
        private int inputWidth;

        private Builder() {}

        /**
         * Sets the token width {@code C} (required).
         *
         * @param dim positive width, a multiple of the head count
         * @return this builder
         */
        public Builder setDim(int dim) {
            this.dim = dim;
            return this;
        }

        /**
         * Sets the number of heads (required).
         *
         * @param heads positive divisor of the width
         * @return this builder
         */
        public Builder setHeads(int heads) {
            this.heads = heads;
            return this;
        }

        /**
         * Whether {@code qkv} has a bias (default true, as SAM and DINOv2).
         *
         * @param qkvBias bias flag
         * @return this builder
         */
        public Builder optQkvBias(boolean qkvBias) {
            this.qkvBias = qkvBias;
            return this;
        }

        /**
         * Queries per chunk (default 1024); 0 attends all queries at once.
         *
         * @param queryChunk non-negative chunk size
         * @return this builder
         */
        public Builder optQueryChunk(int queryChunk) {
            this.queryChunk = queryChunk;
            return this;
        }

        /**
         * Adds SAM's decomposed relative positions with tables for an
         * {@code inputHeight × inputWidth} grid (default: none). Other grids resize the tables.
         *
         * @param inputHeight grid height the tables are sized for
         * @param inputWidth grid width the tables are sized for
         * @return this builder
         */
        public Builder optRelativePosition(int inputHeight, int inputWidth) {
            this.inputHeight = inputHeight;
            this.inputWidth = inputWidth;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the block
         * @throws IllegalArgumentException naming the offending field
         */
        public MultiHeadAttentionBlock build() {
            if (dim < 1) {
                throw new IllegalArgumentException("dim must be positive, found " + dim);
            }
            if (heads < 1 || dim % heads != 0) {
                throw new IllegalArgumentException(
                        "heads must be a positive divisor of dim=" + dim + ", found " + heads);
            }
            if (queryChunk < 0) {
                throw new IllegalArgumentException(
                        "queryChunk must be 0 (no chunking) or positive, found " + queryChunk);
            }
            if (inputHeight < 0 || inputWidth < 0 || (inputHeight == 0) != (inputWidth == 0)) {
                throw new IllegalArgumentException("relative position input size must be two"
                        + " positive sizes, found " + inputHeight + "x" + inputWidth);
            }
            return new MultiHeadAttentionBlock(this);
        }
    }
}
