package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Bilinear resizing of (N, C, H, W) arrays with PyTorch's two corner conventions, as FSANet uses
 * both (spec §8 item 2). Differentiable with respect to the input.
 */
final class Interpolation {

    private Interpolation() {
    }

    /** {@code F.interpolate(x, size, mode='bilinear', align_corners=False)}. */
    static NDArray bilinear(NDArray x, long outH, long outW) {
        Shape s = x.getShape();
        if (s.get(2) == outH && s.get(3) == outW) {
            return x;
        }
        // The engine's bilinear mode 1 equals torch's align_corners=False on 4-D input.
        return x.getNDArrayInternal().interpolation(new long[] {outH, outW}, 1, false);
    }

    /**
     * {@code F.interpolate(x, size, mode='bilinear', align_corners=True)}, computed as
     * A<sub>h</sub> · x · A<sub>w</sub><sup>T</sup> with the interpolation matrices.
     */
    static NDArray bilinearAlignCorners(NDArray x, int outH, int outW) {
        Shape s = x.getShape();
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        if (h == outH && w == outW) {
            return x;
        }
        NDManager m = x.getManager();
        NDArray ah = m.create(matrix(h, outH), new Shape(outH, h)).toDevice(x.getDevice(), false);
        NDArray awT = m.create(matrix(w, outW), new Shape(outW, w)).toDevice(x.getDevice(), false)
                .transpose();
        return ah.matMul(x).matMul(awT);
    }

    /** Row-major (out × in) weights of align-corners bilinear interpolation along one axis. */
    static float[] matrix(int in, int out) {
        float[] a = new float[out * in];
        float scale = out > 1 ? (float) (in - 1) / (out - 1) : 0f;
        for (int i = 0; i < out; i++) {
            float src = scale * i;
            int i0 = Math.min((int) src, in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            float l1 = src - i0;
            a[i * in + i0] += 1f - l1;
            a[i * in + i1] += l1;
        }
        return a;
    }
}
