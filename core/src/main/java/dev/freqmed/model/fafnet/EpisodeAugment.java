package dev.freqmed.model.fafnet;

import java.util.Random;

/**
 * The reference's episode augmentation (spec §1.7 step 5; reference:
 * {@code dataloaders/datasets.py TrainDataset.gamma_tansform / geom_transform} and
 * {@code image_transforms.py}), applied to one slice and its mask.
 */
final class EpisodeAugment {

    private EpisodeAugment() {
    }

    /**
     * Gamma: γ ~ U(0.5, 1.5), {@code r = max − min + 1e-5},
     * {@code x ← r·((x − min + 1e-5)/r)^γ + min}.
     */
    static void gamma(float[] img, Random rng) {
        double g = 0.5 + rng.nextDouble();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (float v : img) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double r = hi - lo + 1e-5;
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) (r * Math.pow((img[i] - lo + 1e-5) / r, g) + lo);
        }
    }

    /**
     * Geometry, image and mask together: a random affine {@code Zoom·Shear·Translate·Rotate}
     * (rotation U(−5°, 5°) about the centre, translation U(−5, 5) px per axis, shear U(−5°, 5°),
     * isotropic zoom U(0.9, 1.2) about the centre; constant 0 outside), then an elastic
     * deformation (α = 10, σ = 5: U(−1, 1) noise blurred by a 21×21 Gaussian, times α;
     * bilinear, reflected at the borders). The mask is rounded afterwards.
     *
     * <p>DEVIATION: the reference passes {@code order=3} to {@code cv2.warpAffine}, which OpenCV
     * reads as INTER_AREA and performs as bilinear for warps; bilinear is used here directly.
     */
    static void geometry(float[] img, float[] mask, int side, Random rng) {
        double rot = Math.toRadians(-5 + 10 * rng.nextDouble());
        double tx = -5 + 10 * rng.nextDouble();
        double ty = -5 + 10 * rng.nextDouble();
        double shear = Math.toRadians(-5 + 10 * rng.nextDouble());
        double zoom = 0.9 + 0.3 * rng.nextDouble();
        double c = (side - 1) / 2.0;
        // Forward map: p' = Z·Sh·T·R·(p − c) + c; sample the source at its inverse.
        double[][] r = {{Math.cos(rot), -Math.sin(rot)}, {Math.sin(rot), Math.cos(rot)}};
        double[][] sh = {{1, -Math.sin(shear)}, {0, Math.cos(shear)}};
        double[][] a = mul(sh, r);
        double[] t = mul(sh, new double[] {tx, ty});
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                a[i][j] *= zoom;
            }
            t[i] *= zoom;
        }
        double det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
        double[][] inv = {{a[1][1] / det, -a[0][1] / det}, {-a[1][0] / det, a[0][0] / det}};
        float[] img2 = new float[img.length];
        float[] mask2 = new float[mask.length];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double dx = x - c - t[0];
                double dy = y - c - t[1];
                double sx = inv[0][0] * dx + inv[0][1] * dy + c;
                double sy = inv[1][0] * dx + inv[1][1] * dy + c;
                img2[y * side + x] = sampleConstant(img, side, sx, sy);
                mask2[y * side + x] = sampleConstant(mask, side, sx, sy);
            }
        }
        float[] ex = blurredNoise(side, rng);
        float[] ey = blurredNoise(side, rng);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int i = y * side + x;
                double sx = x + 10 * ex[i];
                double sy = y + 10 * ey[i];
                img[i] = sampleReflect(img2, side, sx, sy);
                mask[i] = Math.round(sampleReflect(mask2, side, sx, sy));
            }
        }
    }

    private static double[][] mul(double[][] a, double[][] b) {
        double[][] o = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                o[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j];
            }
        }
        return o;
    }

    private static double[] mul(double[][] a, double[] v) {
        return new double[] {a[0][0] * v[0] + a[0][1] * v[1], a[1][0] * v[0] + a[1][1] * v[1]};
    }

    /** U(−1, 1) noise blurred by a 21-tap Gaussian of σ = 5 per axis (reflect-101 borders). */
    private static float[] blurredNoise(int side, Random rng) {
        float[] n = new float[side * side];
        for (int i = 0; i < n.length; i++) {
            n[i] = (float) (2 * rng.nextDouble() - 1);
        }
        double[] k = new double[21];
        double sum = 0;
        for (int i = 0; i < 21; i++) {
            k[i] = Math.exp(-((i - 10) * (i - 10)) / (2.0 * 25));
            sum += k[i];
        }
        for (int i = 0; i < 21; i++) {
            k[i] /= sum;
        }
        float[] tmp = new float[n.length];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double s = 0;
                for (int i = 0; i < 21; i++) {
                    s += k[i] * n[y * side + reflect101(x + i - 10, side)];
                }
                tmp[y * side + x] = (float) s;
            }
        }
        float[] out = new float[n.length];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double s = 0;
                for (int i = 0; i < 21; i++) {
                    s += k[i] * tmp[reflect101(y + i - 10, side) * side + x];
                }
                out[y * side + x] = (float) s;
            }
        }
        return out;
    }

    private static int reflect101(int i, int n) {
        if (n == 1) {
            return 0;
        }
        while (i < 0 || i >= n) {
            i = i < 0 ? -i : 2 * n - 2 - i;
        }
        return i;
    }

    private static float sampleConstant(float[] a, int side, double sx, double sy) {
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        double wx = sx - x0;
        double wy = sy - y0;
        double v = 0;
        for (int dy = 0; dy <= 1; dy++) {
            for (int dx = 0; dx <= 1; dx++) {
                int xx = x0 + dx;
                int yy = y0 + dy;
                double w = (dx == 0 ? 1 - wx : wx) * (dy == 0 ? 1 - wy : wy);
                if (w != 0 && xx >= 0 && yy >= 0 && xx < side && yy < side) {
                    v += w * a[yy * side + xx];
                }
            }
        }
        return (float) v;
    }

    /** Bilinear with scipy's {@code mode='reflect'} (half-sample symmetric) borders. */
    private static float sampleReflect(float[] a, int side, double sx, double sy) {
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        double wx = sx - x0;
        double wy = sy - y0;
        double v = 0;
        for (int dy = 0; dy <= 1; dy++) {
            for (int dx = 0; dx <= 1; dx++) {
                double w = (dx == 0 ? 1 - wx : wx) * (dy == 0 ? 1 - wy : wy);
                if (w != 0) {
                    v += w * a[symmetric(y0 + dy, side) * side + symmetric(x0 + dx, side)];
                }
            }
        }
        return (float) v;
    }

    private static int symmetric(int i, int n) {
        int period = 2 * n;
        int m = ((i % period) + period) % period;
        return m < n ? m : period - 1 - m;
    }
}
