package dev.freqmed.nn.freq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.freqmed.tensor.HostArrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Orthonormal two-dimensional DCT-II and its inverse (DCT-III) over the last two axes, as two
 * matrix products with the constant matrix
 * {@code D_N[k, n] = c_k · cos(π (2n + 1) k / (2N))}, {@code c_0 = sqrt(1/N)},
 * {@code c_k = sqrt(2/N)} for {@code k ≥ 1}: {@code DCT2(X) = D_H · X · D_Wᵀ} and
 * {@code IDCT2(Y) = D_Hᵀ · Y · D_W}. This equals scipy's {@code dctn(x, type=2, norm="ortho")}
 * and {@code idctn(..., type=2, norm="ortho")}; the transform is real, exact and differentiable
 * (FPNuNet spec §4.1; reference: {@code torch_dct.dct(·, norm="ortho")} applied along both axes
 * in {@code network/sam_pfae_fusion_neck_modules.py}).
 *
 * <p>Shapes: input {@code (..., H, W)} float32, output the same shape. The matrices are built on
 * the host once per size and copied to the input's manager and device on each call.
 */
public final class Dct2 {

    private static final ConcurrentHashMap<Integer, float[]> MATRICES = new ConcurrentHashMap<>();

    private Dct2() {
    }

    /**
     * The orthonormal DCT-II matrix, row-major {@code n × n}.
     *
     * @param n transform length, at least 1
     * @return a fresh copy of {@code D_n}
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static float[] matrix(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("DCT length must be positive, found " + n);
        }
        return MATRICES.computeIfAbsent(n, Dct2::build).clone();
    }

    private static float[] build(int n) {
        float[] d = new float[n * n];
        for (int k = 0; k < n; k++) {
            double c = k == 0 ? Math.sqrt(1.0 / n) : Math.sqrt(2.0 / n);
            for (int i = 0; i < n; i++) {
                d[k * n + i] = (float) (c * Math.cos(Math.PI * (2 * i + 1) * k / (2.0 * n)));
            }
        }
        return d;
    }

    /**
     * Forward transform {@code D_H · X · D_Wᵀ} of every {@code (H, W)} slice.
     *
     * @param x real array {@code (..., H, W)}
     * @return the coefficients, same shape
     * @throws IllegalArgumentException if {@code x} has fewer than two axes
     */
    public static NDArray forward(NDArray x) {
        NDArray[] d = matrices(x);
        return d[0].matMul(x).matMul(d[1].transpose());
    }

    /**
     * Inverse transform {@code D_Hᵀ · Y · D_W} of every {@code (H, W)} slice.
     *
     * @param y coefficients {@code (..., H, W)}
     * @return the signal, same shape
     * @throws IllegalArgumentException if {@code y} has fewer than two axes
     */
    public static NDArray inverse(NDArray y) {
        NDArray[] d = matrices(y);
        return d[0].transpose().matMul(y).matMul(d[1]);
    }

    private static NDArray[] matrices(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() < 2) {
            throw new IllegalArgumentException("DCT needs (..., H, W), found " + s);
        }
        int h = (int) s.get(s.dimension() - 2);
        int w = (int) s.get(s.dimension() - 1);
        NDManager m = x.getManager();
        NDArray dh = HostArrays.of(m, matrix(h), new Shape(h, h)).toDevice(x.getDevice(), false);
        NDArray dw = h == w ? dh : HostArrays.of(m, matrix(w), new Shape(w, w))
                .toDevice(x.getDevice(), false);
        return new NDArray[] {dh, dw};
    }
}
