package dev.freqmed.nn.freq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.engine.Convolutions;
import dev.freqmed.tensor.HostArrays;

/**
 * A non-decimated difference-of-Gaussians band stack (FRCU-Net spec §3.1–3.2; reference:
 * FRCU-Net {@code new_model.py}). Each scale {@code k = 1..K} blurs the input directly (not as a
 * cascade) with a fixed depthwise Gaussian of size {@code n_k} and
 * {@code σ_k = σ0 · step^k}, zero-padded "same", giving {@code G_k}; with {@code G_0 = X} the
 * bands are {@code L_0 = X} and {@code L_k = G_{k−1} − G_k}.
 *
 * <p>The 1-D taps are OpenCV's {@code getGaussianKernel(n, σ)} computed in double precision and
 * normalised to sum 1; the 2-D kernel is their outer product, stored as float32. The kernels are
 * frozen: they are parameters {@code gaussian_1..K} of shape {@code (C, 1, n_k, n_k)} (one copy
 * per channel, as in the Keras weight file) that do not require gradients, and the forward pass
 * also stops gradients through them so unfreezing the block cannot train them.
 *
 * <p>Input {@code (N, C, H, W)}; output an {@link NDList} of the {@code K + 1} bands
 * {@code L_0..L_K}, each {@code (N, C, H, W)}, named {@code L0, L1, ...}.
 */
public final class GaussianBandStack extends AbstractBlock {

    /** Kernel sizes of the reference. */
    public static final int[] PAPER_KERNEL_SIZES = {3, 5, 7, 9};
    /** Base sigma of the reference. */
    public static final double PAPER_SIGMA0 = 1.6;
    /** Sigma ratio between scales in the reference, {@code 2^(1/3)}. */
    public static final double PAPER_SIGMA_STEP = Math.pow(2.0, 1.0 / 3.0);

    private final int channels;
    private final int[] kernelSizes;
    private final Parameter[] kernels;

    /** The reference stack: kernel sizes 3, 5, 7, 9 and {@code σ_k = 1.6 · 2^(k/3)}. */
    public GaussianBandStack(int channels) {
        this(channels, PAPER_KERNEL_SIZES, PAPER_SIGMA0, PAPER_SIGMA_STEP);
    }

    /**
     * @param channels    input channels {@code C}
     * @param kernelSizes odd kernel sizes {@code n_1..n_K}
     * @param sigma0      base sigma {@code σ0}
     * @param sigmaStep   ratio {@code step} so that {@code σ_k = σ0 · step^k}
     * @throws IllegalArgumentException for non-positive channels or sigma, or an even/empty size
     */
    public GaussianBandStack(int channels, int[] kernelSizes, double sigma0, double sigmaStep) {
        if (channels <= 0 || kernelSizes.length == 0 || !(sigma0 > 0) || !(sigmaStep > 0)) {
            throw new IllegalArgumentException("GaussianBandStack needs channels > 0, at least one"
                    + " kernel and positive sigmas; found channels " + channels + ", "
                    + kernelSizes.length + " kernels, sigma0 " + sigma0 + ", step " + sigmaStep);
        }
        this.channels = channels;
        this.kernelSizes = kernelSizes.clone();
        this.kernels = new Parameter[kernelSizes.length];
        for (int i = 0; i < kernelSizes.length; i++) {
            int n = kernelSizes[i];
            if (n <= 0 || n % 2 == 0) {
                throw new IllegalArgumentException("Gaussian kernel sizes must be odd and positive,"
                        + " found " + n);
            }
            float[] kernel2d = kernel2d(n, sigma(i + 1, sigma0, sigmaStep));
            kernels[i] = addParameter(Parameter.builder()
                    .setName("gaussian_" + (i + 1))
                    .setType(Parameter.Type.OTHER)
                    .optShape(new Shape(channels, 1, n, n))
                    .optRequiresGrad(false)
                    .optInitializer((manager, shape, dataType) -> {
                        float[] all = new float[channels * n * n];
                        for (int c = 0; c < channels; c++) {
                            System.arraycopy(kernel2d, 0, all, c * n * n, n * n);
                        }
                        return HostArrays.of(manager, all, shape).toType(dataType, false);
                    })
                    .build());
        }
    }

    /** {@code σ_k = σ0 · step^k} for scale {@code k ≥ 1}. */
    public static double sigma(int k, double sigma0, double sigmaStep) {
        return sigma0 * Math.pow(sigmaStep, k);
    }

    /**
     * OpenCV's {@code getGaussianKernel(n, sigma)} for {@code sigma > 0}, in double precision:
     * {@code g_i ∝ exp(−(i − (n−1)/2)² / (2σ²))}, normalised so that the taps sum to 1.
     */
    public static double[] gaussianTaps(int n, double sigma) {
        double[] g = new double[n];
        double scale = -0.5 / (sigma * sigma);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = i - (n - 1) * 0.5;
            g[i] = Math.exp(scale * x * x);
            sum += g[i];
        }
        for (int i = 0; i < n; i++) {
            g[i] /= sum;
        }
        return g;
    }

    /** The 2-D kernel {@code g gᵀ} (row-major, {@code n × n}), computed in double, as float32. */
    public static float[] kernel2d(int n, double sigma) {
        double[] g = gaussianTaps(n, sigma);
        float[] k = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                k[i * n + j] = (float) (g[i] * g[j]);
            }
        }
        return k;
    }

    /** Number of bands produced, {@code K + 1}. */
    public int bandCount() {
        return kernelSizes.length + 1;
    }

    /** Input channels. */
    public int channels() {
        return channels;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != channels) {
            throw new IllegalArgumentException("GaussianBandStack expects (N, " + channels
                    + ", H, W), found " + x.getShape());
        }
        NDList bands = new NDList(kernelSizes.length + 1);
        x.setName("L0");
        bands.add(x);
        NDArray previous = x;
        for (int i = 0; i < kernelSizes.length; i++) {
            int pad = (kernelSizes[i] - 1) / 2;
            // Frozen even if a caller unfreezes the block: detach the kernel. The detached handle
            // is created in the parameter's manager; move it to the input's manager so it is
            // freed with the batch instead of piling up for the life of the network.
            NDArray w = ps.getValue(kernels[i], x.getDevice(), training).stopGradient();
            w.attach(x.getManager());
            // Zero padding "same" (spec §3.1): borders lose Gaussian mass, as in the reference.
            NDArray g = Convolutions.conv2d(x, w, null, new Shape(1, 1), new Shape(pad, pad),
                    new Shape(1, 1), channels);
            NDArray band = previous.sub(g);
            band.setName("L" + (i + 1));
            bands.add(band);
            previous = g;
        }
        return bands;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] out = new Shape[kernelSizes.length + 1];
        java.util.Arrays.fill(out, inputShapes[0]);
        return out;
    }
}
