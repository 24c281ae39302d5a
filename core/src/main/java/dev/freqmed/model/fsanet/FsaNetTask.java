package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import dev.freqmed.data.transform.Normalization;
import dev.freqmed.data.transform.PilBilinear;
import dev.freqmed.data.transform.Transform;
import dev.freqmed.model.BinarySegmentationTask;
import dev.freqmed.tensor.Resize;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trainer and predictor adapter of FSANet. Samples are resized to the training side with
 * PIL's 8-bit bilinear resampling (as in the reference; masks stay soft), ImageNet-normalised and
 * stacked; the loss is {@link FsaNetLoss}; the foreground probability is sigmoid(P1).
 *
 * <p>Multi-scale training (spec §4): {@link #trainingSides()} lists one side per scale rate, and
 * {@link #rescale} resizes a stacked batch to one of them (bilinear, {@code align_corners=True},
 * images and masks alike), one optimiser step per side.
 *
 * <p>Prediction follows the reference's test script: resize to the test side, P1, bilinear
 * ({@code align_corners=False}) back to the original size, sigmoid, per-image min–max
 * normalisation with the reference's 1e-8 guard.
 */
public final class FsaNetTask extends BinarySegmentationTask {

    private static final Logger LOG = LoggerFactory.getLogger(FsaNetTask.class);

    private final FsaNetConfig config;
    private final FsaNetLoss loss;

    /** @param config the network and recipe; sizes off the 32 grid are rounded (logged) */
    public FsaNetTask(FsaNetConfig config) {
        super(config.trainSide(), config.trainSide(), Normalization.IMAGENET);
        this.config = config;
        this.loss = new FsaNetLoss(config.weightedBce());
        if (config.trainSide() != config.trainSize()) {
            LOG.warn("FSANet trainSize {} is not a multiple of 32; using {}", config.trainSize(),
                    config.trainSide());
        }
        if (config.testSide() != config.testSize()) {
            LOG.warn("FSANet testSize {} is not a multiple of 32; using {}", config.testSize(),
                    config.testSide());
        }
    }

    /** The configuration. */
    public FsaNetConfig config() {
        return config;
    }

    @Override
    protected NDArray probability(NDList outputs) {
        return outputs.get(0).getNDArrayInternal().sigmoid();
    }

    @Override
    public NDArray loss(NDList outputs, NDList labels) {
        return loss.evaluate(labels, outputs);
    }

    /**
     * Resizes image and mask to the training side with PIL's 8-bit bilinear resampling (as the
     * reference's torchvision {@code Resize} on PIL images; the mask stays soft), then applies
     * {@code augmentation} and the ImageNet normalisation.
     */
    @Override
    public Sample prepare(Sample raw, Transform augmentation, Random rng) {
        int side = config.trainSide();
        Map<String, FloatImage> arrays = new LinkedHashMap<>();
        arrays.put(Sample.IMAGE, PilBilinear.resize(rgb(raw.get(Sample.IMAGE), raw.id()), side,
                side));
        FloatImage mask = raw.arrays().get(Sample.MASK);
        if (mask != null) {
            FloatImage m8 = PilBilinear.resize(scaled(mask, 255f), side, side);
            arrays.put(Sample.MASK, scaled(m8, 1f / 255f));
        }
        Sample s = new Sample(raw.id(), arrays);
        if (augmentation != null) {
            s = augmentation.apply(s, rng);
        }
        return s.with(Sample.IMAGE, Normalization.IMAGENET.apply(s.get(Sample.IMAGE)));
    }

    private static FloatImage rgb(FloatImage image, String id) {
        if (image.channels() != 3) {
            throw new IllegalArgumentException("sample " + id + ": FSANet expects an RGB image (3"
                    + " channels), found " + image.channels());
        }
        return image;
    }

    private static FloatImage scaled(FloatImage a, float factor) {
        float[] d = new float[a.data().length];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.data()[i] * factor;
        }
        return new FloatImage(a.channels(), a.height(), a.width(), d);
    }

    /**
     * The task predicting at {@code side} (the reference's {@code --testsize}); a side off the
     * 32 grid is rounded with a warning, or refused when {@code strictSize} is set.
     */
    @Override
    public FsaNetTask withInferenceSize(int side) {
        FsaNetConfig c = config;
        return new FsaNetTask(new FsaNetConfig(c.widthDivisor(), c.pvtDepths(), c.resnetDepths(),
                c.neckChannels(), c.radius(), c.dropPathRate(), c.trainSize(), side,
                c.scaleRates(), c.weightedBce(), c.strictSize()));
    }

    /** The side of each multi-scale step, see {@link FsaNetConfig#trainingSides()}. */
    @Override
    public List<Integer> trainingSides() {
        return config.trainingSides();
    }

    /**
     * Resizes a stacked batch for one multi-scale step, as the reference's training loop does:
     * bilinear with {@code align_corners=True} for images and masks.
     *
     * @param inputs (N, 3, S, S) images
     * @param labels (N, 1, S, S) masks
     * @param side   target side
     * @return {inputs, labels} at side × side (the same arrays when the side is unchanged)
     */
    @Override
    public NDList[] rescale(NDList inputs, NDList labels, int side) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().get(2) == side && x.getShape().get(3) == side) {
            return new NDList[] {inputs, labels};
        }
        NDArray y = labels.get(0);
        return new NDList[] {
            new NDList(Resize.resize(x, side, side, Resize.Mode.BILINEAR, true)),
            new NDList(Resize.resize(y, side, side, Resize.Mode.BILINEAR, true))};
    }

    /**
     * The reference prediction: (1, H, W) in [0, 1] for a raw (3, H, W) image in 0..255.
     */
    @Override
    public FloatImage predict(NDManager manager, Block network, FloatImage image) {
        if (image.channels() != 3) {
            throw new IllegalArgumentException("FSANet expects an RGB image (3 channels), found "
                    + image.channels());
        }
        int side = config.testSide();
        FloatImage resized = PilBilinear.resize(image, side, side);
        FloatImage normalised = Normalization.IMAGENET.apply(resized);
        try (NDManager sub = manager.newSubManager()) {
            NDList in = inputs(sub, List.of(new Sample("input", Map.of(Sample.IMAGE,
                    normalised))));
            NDList out = network.forward(new ParameterStore(sub, false), in, false);
            return toOriginalSize(out.get(0), image.height(), image.width());
        }
    }

    /**
     * P1 (1, 1, S, S) logits → bilinear to (H, W) ({@code align_corners=False}) → sigmoid →
     * (r − min) / (max − min + 1e-8), as the reference's test script writes it.
     *
     * @return (1, H, W) in [0, 1]
     */
    public static FloatImage toOriginalSize(NDArray p1, int height, int width) {
        NDArray r = Resize.resize(p1, height, width, Resize.Mode.BILINEAR, false)
                .getNDArrayInternal().sigmoid();
        float[] v = r.toFloatArray();
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float f : v) {
            min = Math.min(min, f);
            max = Math.max(max, f);
        }
        float range = max - min + 1e-8f;
        for (int i = 0; i < v.length; i++) {
            v[i] = (v[i] - min) / range;
        }
        return new FloatImage(1, height, width, v);
    }

    /**
     * The reference's 8-bit output of a probability in [0, 1]: value · 255 rounded half to even
     * and saturated, as OpenCV writes a float image.
     */
    public static int toByte(float p) {
        return (int) Math.max(0, Math.min(255, Math.rint(p * 255.0)));
    }
}
