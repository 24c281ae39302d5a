package dev.freqmed.model.diffusionffpe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.freqmed.tensor.HostArrays;

/**
 * DiffAugment with the policy {@code color,translation,cutout} (spec §4.1), applied to images in
 * [−1, 1] before every discriminator call, with fresh draws per call and per sample from the
 * engine's random generator (seeded per step by the training loop, so a resumed run draws the
 * same): brightness {@code + U(−0.5, 0.5)}; saturation {@code (x − mean_c)·U(0, 2) + mean_c};
 * contrast {@code (x − mean)·U(0.5, 1.5) + mean}; an integer shift of up to
 * {@code round(0.125·side)} pixels on each axis with zero fill; one zero square of side
 * {@code round(0.5·side)} with a uniform centre. Reference: mit-han-lab data-efficient-gans
 * {@code DiffAugment_pytorch.py}, as vendored by vision-aided-gan.
 */
final class DiffAugment {

    private DiffAugment() {
    }

    /**
     * Augments a batch.
     *
     * @param x (N, C, H, W)
     * @return the augmented batch, same shape, differentiable with respect to {@code x}
     */
    static NDArray apply(NDArray x) {
        NDManager m = x.getManager();
        long n = x.getShape().get(0);
        int h = (int) x.getShape().get(2);
        int w = (int) x.getShape().get(3);
        Shape per = new Shape(n, 1, 1, 1);
        x = x.add(m.randomUniform(-0.5f, 0.5f, per));
        NDArray mc = x.mean(new int[] {1}, true);
        x = x.sub(mc).mul(m.randomUniform(0f, 2f, per)).add(mc);
        NDArray ma = x.mean(new int[] {1}, true).mean(new int[] {2}, true).mean(new int[] {3}, true);
        x = x.sub(ma).mul(m.randomUniform(0.5f, 1.5f, per)).add(ma);
        float[] r = m.randomUniform(0f, 1f, new Shape(n, 4)).toFloatArray();
        int sh = (int) (h * 0.125 + 0.5);
        int sw = (int) (w * 0.125 + 0.5);
        NDList shifted = new NDList();
        for (int i = 0; i < n; i++) {
            int ty = Math.min(sh, (int) Math.floor(r[4 * i] * (2 * sh + 1)) - sh);
            int tx = Math.min(sw, (int) Math.floor(r[4 * i + 1] * (2 * sw + 1)) - sw);
            NDArray xi = x.get(i + ":" + (i + 1)).pad(new Shape(sw, sw, sh, sh), 0);
            shifted.add(xi.get(":, :, " + (sh + ty) + ":" + (sh + ty + h) + ", " + (sw + tx) + ":"
                    + (sw + tx + w)));
        }
        x = NDArrays.concat(shifted, 0);
        int ch = (int) (h * 0.5 + 0.5);
        int cw = (int) (w * 0.5 + 0.5);
        float[] mask = new float[(int) n * h * w];
        java.util.Arrays.fill(mask, 1f);
        for (int i = 0; i < n; i++) {
            int oy = Math.min(h + (1 - ch % 2) - 1, (int) Math.floor(r[4 * i + 2]
                    * (h + (1 - ch % 2))));
            int ox = Math.min(w + (1 - cw % 2) - 1, (int) Math.floor(r[4 * i + 3]
                    * (w + (1 - cw % 2))));
            for (int dy = 0; dy < ch; dy++) {
                int y = Math.max(0, Math.min(h - 1, oy + dy - ch / 2));
                for (int dx = 0; dx < cw; dx++) {
                    int xx = Math.max(0, Math.min(w - 1, ox + dx - cw / 2));
                    mask[i * h * w + y * w + xx] = 0f;
                }
            }
        }
        return x.mul(HostArrays.of(m, mask, new Shape(n, 1, h, w)).toDevice(x.getDevice(), false));
    }
}
