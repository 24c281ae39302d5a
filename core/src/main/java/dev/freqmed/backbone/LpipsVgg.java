package dev.freqmed.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import dev.freqmed.engine.Convolutions;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.weights.WeightFiles;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Scalars;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The LPIPS perceptual distance, version 0.1 with VGG16 (Zhang et al., CVPR 2018; the
 * {@code lpips} package's {@code LPIPS(net='vgg')}, which Diffusion-FFPE's cycle and identity
 * losses use), frozen, on images in [−1, 1]:
 * <ol>
 *   <li>both images shifted by (−0.030, −0.088, −0.188) and divided by (0.458, 0.448, 0.450) per
 *       channel;
 *   <li>torchvision's VGG16 {@code features} (3×3 convolutions with padding 1, ReLU, 2×2 max
 *       pooling), read after the ReLUs of conv1_2, conv2_2, conv3_3, conv4_3 and conv5_3;
 *   <li>at each of the five taps both feature maps are divided by their channel norm
 *       ({@code + 1e-10}), the squared difference is weighted per channel by the tap's 1×1
 *       convolution without bias, averaged over the pixels;
 *   <li>the distance is the sum of the five, one value per image.
 * </ol>
 * The weights come from two files the user supplies: torchvision's {@code vgg16-397923af.pth}
 * ({@code features.N.weight}, {@code features.N.bias}) and the package's
 * {@code weights/v0.1/vgg.pth} ({@code lin0..4.model.1.weight}, shapes (1, C, 1, 1)). Nothing is
 * trained; gradients flow to the images only. Convolutions take the path the engine self-test
 * chose ({@link Convolutions}).
 */
public final class LpipsVgg implements AutoCloseable {

    /** torchvision's indices of the 13 convolutions in {@code features}. */
    static final int[] CONV_INDEX = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};
    /** Output channels of the 13 convolutions. */
    static final int[] CONV_OUT = {64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512};
    /** Channels of the five taps. */
    static final int[] TAP_CHANNELS = {64, 128, 256, 512, 512};
    /** After which convolution (0-based) each tap is read; a pooling follows each but the last. */
    private static final int[] TAP_AFTER = {1, 3, 6, 9, 12};
    private static final float[] SHIFT = {-0.030f, -0.088f, -0.188f};
    private static final float[] SCALE = {0.458f, 0.448f, 0.450f};

    private final NDManager manager;
    private final NDArray[] weight = new NDArray[CONV_INDEX.length];
    private final NDArray[] bias = new NDArray[CONV_INDEX.length];
    private final NDArray[] lin = new NDArray[TAP_CHANNELS.length];
    private final NDArray shift;
    private final NDArray scale;

    private LpipsVgg(NDManager parent, Map<String, HostTensor> vgg, Path vggSource,
            Map<String, HostTensor> lins, Path linSource) throws IOException {
        manager = parent.newSubManager();
        try {
            int in = 3;
            for (int i = 0; i < CONV_INDEX.length; i++) {
                String p = "features." + CONV_INDEX[i] + ".";
                weight[i] = array(vgg, p + "weight", new long[] {CONV_OUT[i], in, 3, 3},
                        vggSource);
                bias[i] = array(vgg, p + "bias", new long[] {CONV_OUT[i]}, vggSource);
                in = CONV_OUT[i];
            }
            for (int k = 0; k < TAP_CHANNELS.length; k++) {
                String key = "lin" + k + ".model.1.weight";
                if (!lins.containsKey(key) && lins.containsKey("lin" + k + ".model.0.weight")) {
                    key = "lin" + k + ".model.0.weight";
                }
                lin[k] = array(lins, key, new long[] {1, TAP_CHANNELS[k], 1, 1}, linSource);
            }
            shift = HostArrays.of(manager, SHIFT, new Shape(1, 3, 1, 1));
            scale = HostArrays.of(manager, SCALE, new Shape(1, 3, 1, 1));
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Reads the two weight files.
     *
     * @param vggFile torchvision's VGG16 file ({@code vgg16-397923af.pth})
     * @param linFile LPIPS's {@code vgg.pth} (version 0.1)
     * @throws IOException naming the file and the key that is missing or mis-shaped
     */
    public static LpipsVgg load(NDManager manager, Path vggFile, Path linFile)
            throws IOException {
        return new LpipsVgg(manager, WeightFiles.read(vggFile).stateDict(), vggFile,
                WeightFiles.read(linFile).stateDict(), linFile);
    }

    /** From tensors already in memory (tests; the names say where they came from). */
    static LpipsVgg of(NDManager manager, Map<String, HostTensor> vgg, Map<String, HostTensor> lins)
            throws IOException {
        return new LpipsVgg(manager, vgg, Path.of("vgg16"), lins, Path.of("lpips-vgg"));
    }

    private NDArray array(Map<String, HostTensor> sd, String key, long[] shape, Path source)
            throws IOException {
        HostTensor t = sd.get(key);
        if (t == null) {
            throw new IOException(source + ": no tensor '" + key + "' (expected "
                    + (key.startsWith("lin") ? "LPIPS v0.1 vgg.pth" : "torchvision's vgg16 file")
                    + ")");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IOException(source + ": '" + key + "' has shape "
                    + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        }
        return HostArrays.of(manager, t.toFloatArray(), new Shape(shape));
    }

    /**
     * The distance of each pair.
     *
     * @param x {@code (N, 3, H, W)} in [−1, 1]
     * @param y the same shape
     * @return {@code (N)}
     */
    public NDArray distance(NDArray x, NDArray y) {
        if (!x.getShape().equals(y.getShape()) || x.getShape().dimension() != 4
                || x.getShape().get(1) != 3) {
            throw new IllegalArgumentException("LPIPS compares two (N, 3, H, W) batches, found "
                    + x.getShape() + " and " + y.getShape());
        }
        long n = x.getShape().get(0);
        // One pass over both images; the halves are split at each tap.
        NDArray h = NDArrays.concat(new NDList(x, y), 0)
                .sub(shift).div(scale);
        NDArray total = null;
        int tap = 0;
        for (int i = 0; i < CONV_INDEX.length; i++) {
            h = Activation.relu(Convolutions.conv2d(h, weight[i], bias[i], new Shape(1, 1),
                    new Shape(1, 1), new Shape(1, 1), 1));
            if (tap < TAP_AFTER.length && i == TAP_AFTER[tap]) {
                NDArray f = unit(h);
                NDArray d = f.get("0:" + n).sub(f.get(n + ":")).square();
                NDArray s = Convolutions.conv2d(d, lin[tap], null, new Shape(1, 1),
                        new Shape(0, 0), new Shape(1, 1), 1).reshape(n, -1).mean(new int[] {1});
                total = total == null ? s : total.add(s);
                if (tap < TAP_AFTER.length - 1) {
                    h = Pool.maxPool2d(h, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0),
                            false);
                }
                tap++;
            }
        }
        return total;
    }

    /** Each pixel's feature vector divided by its norm plus 1e-10 (lpips' normalize_tensor). */
    private static NDArray unit(NDArray f) {
        NDArray norm = f.square().sum(new int[] {1}, true).sqrt();
        return f.div(norm.add(Scalars.of(norm, 1e-10)));
    }

    @Override
    public void close() {
        manager.close();
    }
}
