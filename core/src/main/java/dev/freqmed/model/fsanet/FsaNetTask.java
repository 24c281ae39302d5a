package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import dev.freqmed.data.transform.Normalization;
import dev.freqmed.data.transform.PilBilinear;
import dev.freqmed.data.transform.Transform;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PreparedImage;
import dev.freqmed.model.BinarySegmentationTask;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Resize;
import dev.freqmed.train.TrainStep;
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
 * <p>Multi-scale training (spec §4) is this task's {@link #trainStep()}: one optimiser step per
 * scale rate ({@link FsaNetMultiScaleStep}).
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

    /** One optimiser step per multi-scale side, see {@link FsaNetMultiScaleStep}. */
    @Override
    public TrainStep trainStep() {
        return new FsaNetMultiScaleStep(config.trainingSides(), config.trainSide());
    }

    /**
     * The reference's pre-processing, once per image: PIL bilinear resize of the whole image to
     * the test side, ImageNet normalisation.
     *
     * @throws IllegalArgumentException for an image that is not RGB
     */
    @Override
    public PreparedImage preprocess(FloatImage image) {
        if (image.channels() != 3) {
            throw new IllegalArgumentException("FSANet expects an RGB image (3 channels), found "
                    + image.channels());
        }
        int side = config.testSide();
        return new PreparedImage(Normalization.IMAGENET.apply(PilBilinear.resize(image, side,
                side)), image);
    }

    /** P1's logits of each window, named {@code LOGIT} (blended before the sigmoid). */
    @Override
    public NDList forward(Block network, ParameterStore ps, NDArray windows) {
        NDArray p1 = network.forward(ps, new NDList(windows), false).get(0);
        p1.setName("LOGIT");
        return new NDList(p1);
    }

    /**
     * The reference's output path on the stitched P1 of the whole image: bilinear to the original
     * size, sigmoid, min–max over the whole image (never per window).
     */
    @Override
    public Prediction postprocess(NDManager manager, Map<String, FloatImage> maps,
            PreparedImage prepared) {
        FloatImage logit = maps.get("LOGIT");
        try (NDManager sub = manager.newSubManager()) {
            NDArray p1 = HostArrays.of(sub, logit.data(), new Shape(1, 1, logit.height(),
                    logit.width()));
            return binaryPrediction(toOriginalSize(p1, prepared.original().height(),
                    prepared.original().width()));
        }
    }

    /** Windows are multiples of the encoders' output stride, 32. */
    @Override
    public int stride() {
        return 32;
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
