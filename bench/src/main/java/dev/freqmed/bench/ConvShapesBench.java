package dev.freqmed.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.freqmed.engine.ConvPath;
import dev.freqmed.engine.Convolutions;
import java.util.Locale;

/**
 * Forward time of single convolutions at the shapes that dominate the large networks (SD-Turbo's
 * VAE and UNet, FAF-Net's dilated ResNet), on each convolution path, at inference. Prints one
 * line per shape and path: milliseconds per call (best of the timed calls) and the multiply-add
 * rate, so a slow network can be traced to the kernels it runs.
 *
 * <p>Usage: {@code ConvShapesBench [repeats=3] [paths=ENGINE,PADDED]}.
 */
public final class ConvShapesBench {

    /** n, ci, co, h, w, k, stride, dilation. */
    private static final int[][] SHAPES = {
        {1, 128, 128, 512, 512, 3, 1, 1},   // VAE decoder, last level
        {1, 256, 256, 256, 256, 3, 1, 1},   // VAE decoder, level 3
        {1, 512, 512, 128, 128, 3, 1, 1},   // VAE decoder, level 2
        {1, 512, 512, 64, 64, 3, 1, 1},     // VAE mid block
        {1, 128, 128, 256, 256, 3, 2, 1},   // VAE encoder downsample
        {1, 320, 320, 64, 64, 3, 1, 1},     // UNet level 1
        {1, 640, 640, 32, 32, 3, 1, 1},     // UNet level 2
        {1, 1280, 1280, 16, 16, 3, 1, 1},   // UNet level 3
        {1, 320, 320, 64, 64, 1, 1, 1},     // UNet proj_in / 1x1
        {1, 256, 256, 33, 33, 3, 1, 2},     // FAF-Net dilated ResNet-101, layer 3
        {1, 512, 512, 33, 33, 3, 1, 4},     // FAF-Net dilated ResNet-101, layer 4
        {2, 32, 32, 64, 64, 3, 1, 1},       // Diffusion-FFPE tiny VAE, first level
        {2, 64, 64, 32, 32, 3, 1, 1},       // Diffusion-FFPE tiny VAE, second level
        {2, 64, 64, 8, 8, 3, 1, 1},         // Diffusion-FFPE tiny UNet
    };

    private ConvShapesBench() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args number of timed calls, comma-separated paths
     */
    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String[] paths = (args.length > 1 ? args[1] : "ENGINE,PADDED").split(",");
        System.out.println("| n ci->co HxW k s d | path | ms per call | GMAC/s |");
        System.out.println("|---|---|---|---|");
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] s : SHAPES) {
                for (String p : paths) {
                    ConvPath path = ConvPath.valueOf(p.trim());
                    double best = Double.MAX_VALUE;
                    try (NDManager sub = m.newSubManager()) {
                        NDArray x = sub.randomNormal(new Shape(s[0], s[1], s[3], s[4]));
                        NDArray w = sub.randomNormal(new Shape(s[2], s[1], s[5], s[5]));
                        NDArray b = sub.zeros(new Shape(s[2]));
                        int pad = s[7] * (s[5] / 2);
                        for (int r = 0; r <= repeats; r++) {
                            try (NDManager call = sub.newSubManager()) {
                                x.tempAttach(call);
                                long t = System.nanoTime();
                                NDArray y = Convolutions.conv2d(path, x, w, b,
                                        new Shape(s[6], s[6]), new Shape(pad, pad),
                                        new Shape(s[7], s[7]), 1);
                                y.getFloat(0, 0, 0, 0);
                                double ms = (System.nanoTime() - t) / 1e6;
                                if (r > 0) {
                                    best = Math.min(best, ms);
                                }
                            }
                        }
                    }
                    long ho = s[3] / s[6];
                    long wo = s[4] / s[6];
                    double macs = (double) s[0] * s[1] * s[2] * s[5] * s[5] * ho * wo;
                    System.out.printf(Locale.ROOT, "| %d %d->%d %dx%d k%d s%d d%d | %s | %.1f | %.1f |%n",
                            s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], path, best,
                            macs / best / 1e6);
                }
            }
        }
    }
}
