package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.jni.JniUtils;
import dev.freqmed.engine.FusedAttention;
import dev.freqmed.tensor.Scalars;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code softmax(q kᵀ / sqrt(d)) v} per head, the core that FreqMed's attention blocks share: on
 * the engine's fused kernel where the engine self-test found it right ({@link FusedAttention}),
 * otherwise as matrix products and a softmax over chunks of queries.
 *
 * <p>On the explicit path a chunk holds {@code N · heads · queryChunk · Lk} scores, never the
 * whole {@code Lq × Lk} matrix; at inference each chunk's temporaries are freed before the next
 * starts, while training keeps every chunk's probabilities for backward (quadratic memory). The
 * fused kernel needs neither: it is linear in the token count, forward and backward.
 */
public final class DotProductAttention {

    private DotProductAttention() {
    }

    /**
     * Attention of {@code q} over {@code k}, {@code v}.
     *
     * @param q          queries {@code (N, heads, Lq, d)}, not scaled
     * @param k          keys {@code (N, heads, Lk, d)}
     * @param v          values {@code (N, heads, Lk, dv)}
     * @param queryChunk queries per chunk on the explicit path, 0 for all at once
     * @return {@code (N, heads, Lq, dv)}
     */
    public static NDArray apply(NDArray q, NDArray k, NDArray v, int queryChunk) {
        if (FusedAttention.enabled()) {
            return FusedAttention.attend(q, k, v);
        }
        NDList in = new NDList(Scalars.mul(q, Math.pow(q.getShape().get(3), -0.5)), k, v);
        // Scoped chunks only when nothing is recorded for backward (see ScopedForward).
        return inChunks(in, q.getShape().get(2), queryChunk, JniUtils.isGradMode(),
                DotProductAttention::explicit);
    }

    /** The attention of queries {@code [from, to)}, from the arrays of {@link #inChunks}. */
    @FunctionalInterface
    public interface Chunk {
        /**
         * @param in   the arrays the chunks share (scaled queries first)
         * @param from first query
         * @param to   query after the last
         * @return {@code (N, heads, to - from, dv)}
         */
        NDArray attend(NDList in, long from, long to);
    }

    /**
     * Softmax runs over keys, so queries can be attended in chunks exactly: runs {@code chunk} over
     * chunks of {@code queryChunk} queries and joins the results along the query axis (2). Each
     * chunk runs in a memory scope of its own ({@link ScopedForward}) unless autograd records.
     *
     * @param in         the arrays every chunk reads
     * @param queries    the number of queries {@code Lq}
     * @param queryChunk queries per chunk, 0 for all at once
     * @param recording  whether autograd records (no scopes then)
     * @param chunk      the attention of one chunk
     * @return {@code (N, heads, Lq, dv)}
     */
    public static NDArray inChunks(NDList in, long queries, int queryChunk, boolean recording,
            Chunk chunk) {
        int size = queryChunk == 0 ? (int) queries : (int) Math.min(queryChunk, queries);
        if (size == queries) {
            return chunk.attend(in, 0, queries);
        }
        List<NDArray> parts = new ArrayList<>();
        for (long start = 0; start < queries; start += size) {
            long from = start;
            long to = Math.min(queries, start + size);
            parts.add(ScopedForward.run(in, recording, a -> new NDList(chunk.attend(a, from, to)))
                    .singletonOrThrow());
        }
        return NDArrays.concat(new NDList(parts), 2);
    }

    /** Queries {@code [from, to)} of the scaled {@code q} against all keys. */
    private static NDArray explicit(NDList in, long from, long to) {
        NDArray q = in.get(0);
        if (from != 0 || to != q.getShape().get(2)) {
            q = q.get(new NDIndex(":, :, {}:{}", from, to));
        }
        return q.matMul(in.get(1).transpose(0, 1, 3, 2)).softmax(-1).matMul(in.get(2));
    }
}
