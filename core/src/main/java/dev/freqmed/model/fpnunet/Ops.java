package dev.freqmed.model.fpnunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.tensor.HostArrays;

/** Small shape helpers and layer recipes shared by FPNuNet's neck and decoders. */
final class Ops {

    private Ops() {
    }

    /** Runs a single-input block. */
    static NDArray run(Block b, ParameterStore ps, NDArray x, boolean training,
            PairList<String, Object> params) {
        return b.forward(ps, new NDList(x), training, params).singletonOrThrow();
    }

    /** {@code (N, C, H, W)} → tokens {@code (N, H·W, C)} in row-major pixel order. */
    static NDArray tokens(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
    }

    /** Tokens {@code (N, H·W, C)} → {@code (N, C, H, W)}. */
    static NDArray map(NDArray t, long h, long w) {
        Shape s = t.getShape();
        return t.transpose(0, 2, 1).reshape(s.get(0), s.get(2), h, w);
    }

    /** PyTorch {@code PixelShuffle(2)}: {@code out[c, 2y+i, 2x+j] = in[4c + 2i + j, y, x]}. */
    static NDArray pixelShuffle(NDArray x) {
        Shape s = x.getShape();
        long c = s.get(1) / 4;
        return x.reshape(s.get(0), c, 2, 2, s.get(2), s.get(3)).transpose(0, 1, 4, 2, 5, 3)
                .reshape(s.get(0), c, s.get(2) * 2, s.get(3) * 2);
    }

    /** Average pooling with a square kernel equal to its stride. */
    static NDArray avgPool(NDArray x, int k) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), s.get(2) / k, k, s.get(3) / k, k)
                .transpose(0, 1, 2, 4, 3, 5)
                .reshape(s.get(0), s.get(1), s.get(2) / k, s.get(3) / k, (long) k * k)
                .mean(new int[] {4});
    }

    /**
     * PyTorch {@code AdaptiveAvgPool2d((oh, ow))}: output cell {@code i} averages input rows
     * {@code [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉)} (likewise columns), also when the map is smaller than the
     * output; a plain average pool when the sides divide.
     */
    static NDArray adaptiveAvgPool(NDArray x, int oh, int ow) {
        Shape s = x.getShape();
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        if (h % oh == 0 && w % ow == 0 && h / oh == w / ow) {
            return h == oh ? x : avgPool(x, h / oh);
        }
        NDArray rows = HostArrays.of(x.getManager(), poolMatrix(oh, h), new Shape(oh, h))
                .toDevice(x.getDevice(), false);
        NDArray colsT = HostArrays.of(x.getManager(), poolMatrix(ow, w), new Shape(ow, w))
                .toDevice(x.getDevice(), false).transpose();
        return rows.matMul(x.matMul(colsT));
    }

    /** {@code (out, in)} averaging matrix of adaptive pooling along one axis. */
    private static float[] poolMatrix(int out, int in) {
        float[] m = new float[out * in];
        for (int i = 0; i < out; i++) {
            int start = (int) Math.floor((double) i * in / out);
            int end = (int) Math.ceil((double) (i + 1) * in / out);
            for (int j = start; j < end; j++) {
                m[i * in + j] = 1f / (end - start);
            }
        }
        return m;
    }

    /**
     * Average-pools a key/value map {@code (N, C, H, W)} by the smallest factor that divides H
     * and W and brings both to at most {@code grid} (no pooling for {@code grid = 0} or a map
     * that is already small enough). Softmax attention over the pooled tokens replaces attention
     * over every pixel (the CPU preset's {@code keyGrid}).
     */
    static NDArray poolKeys(NDArray x, int grid) {
        Shape s = x.getShape();
        long h = s.get(2);
        long w = s.get(3);
        if (grid <= 0 || (h <= grid && w <= grid)) {
            return x;
        }
        for (int k = 2; k <= Math.max(h, w); k++) {
            if (h % k == 0 && w % k == 0 && h / k <= grid && w / k <= grid) {
                return avgPool(x, k);
            }
        }
        return x;
    }

    /** {@code Conv(k, bias) → BN → ReLU} as an indexed sequence ({@code 0}, {@code 1}). */
    static IndexedSequentialBlock convBnRelu(int in, int out, int kernel, boolean bias) {
        return new IndexedSequentialBlock()
                .add(Layers.conv(out, kernel, 1, kernel / 2, bias), Layers.nchw(in))
                .add(Layers.batchNorm(), Layers.nchw(out))
                .add(Activation::relu);
    }

    /** {@code Conv1(in → 4·out) → PixelShuffle(2) → BN → ReLU} ({@code Up}, spec §5). */
    static IndexedSequentialBlock up(int in, int out) {
        return new IndexedSequentialBlock()
                .add(Layers.conv(4 * out, 1, 1, 0, true), Layers.nchw(in))
                .add(Ops::pixelShuffle, s -> new Shape(s.get(0), s.get(1) / 4, s.get(2) * 2,
                        s.get(3) * 2))
                .add(Layers.batchNorm(), Layers.nchw(out))
                .add(Activation::relu);
    }

    /** {@code Head(b → o) = Conv1 nb(b → hidden) → BN → ReLU → Conv1(hidden → o)}. */
    static IndexedSequentialBlock head(int in, int hidden, int out) {
        return new IndexedSequentialBlock()
                .add(Layers.conv(hidden, 1, 1, 0, false), Layers.nchw(in))
                .add(Layers.batchNorm(), Layers.nchw(hidden))
                .add(Activation::relu)
                .add(Layers.conv(out, 1, 1, 0, true), Layers.nchw(hidden));
    }
}
