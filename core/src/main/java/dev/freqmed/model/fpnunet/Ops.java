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
