package dev.freqmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.BinaryFolderReader;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.data.transform.Normalization;
import dev.freqmed.data.transform.Resample;
import dev.freqmed.data.transform.Transform;
import dev.freqmed.infer.BinaryMaskWriter;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PredictionOutput;
import dev.freqmed.infer.PredictionWriter;
import dev.freqmed.infer.PreparedImage;
import dev.freqmed.metric.BinarySegmentationMetrics;
import dev.freqmed.metric.MetricResult;
import dev.freqmed.tensor.HostArrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The shared task adapter of binary (foreground/background) segmentation networks: samples are
 * resized to the network's input size (PIL-style antialiased bilinear, masks too, so mask edges
 * become soft as in the reference pre-processing), augmented, normalised and stacked into
 * (N, 3, H, W) inputs and (N, 1, H, W) targets in [0, 1]. Subclasses give the loss and say which
 * output is the foreground probability.
 */
public abstract class BinarySegmentationTask implements TaskAdapter {

    private final int inputHeight;
    private final int inputWidth;
    private final Normalization normalization;

    /**
     * @param inputHeight   network input rows
     * @param inputWidth    network input columns
     * @param normalization how images are scaled before they enter the network
     */
    protected BinarySegmentationTask(int inputHeight, int inputWidth, Normalization normalization) {
        if (inputHeight <= 0 || inputWidth <= 0) {
            throw new IllegalArgumentException("input size must be positive, found " + inputHeight + "x" + inputWidth);
        }
        this.inputHeight = inputHeight;
        this.inputWidth = inputWidth;
        this.normalization = normalization;
    }

    /** The foreground probability (N, 1, H, W) in [0, 1] from the network outputs. */
    protected abstract NDArray probability(NDList outputs);

    @Override
    public SampleSource openData(java.nio.file.Path root, String split) throws java.io.IOException {
        return BinaryFolderReader.open(root, split);
    }

    @Override
    public Shape inputShape() {
        return new Shape(1, 3, inputHeight, inputWidth);
    }

    @Override
    public String normalization() {
        return normalization.configName();
    }

    /** The normalisation applied to inputs. */
    public Normalization normalizationMode() {
        return normalization;
    }

    @Override
    public Sample prepare(Sample raw, Transform augmentation, Random rng) {
        FloatImage image = raw.get(Sample.IMAGE);
        Map<String, FloatImage> arrays = new LinkedHashMap<>();
        arrays.put(Sample.IMAGE, Resample.bilinearAntialias(image, inputHeight, inputWidth));
        FloatImage mask = raw.arrays().get(Sample.MASK);
        if (mask != null) {
            arrays.put(Sample.MASK, Resample.bilinearAntialias(mask, inputHeight, inputWidth));
        }
        Sample s = new Sample(raw.id(), arrays);
        if (augmentation != null) {
            s = augmentation.apply(s, rng);
        }
        return s.with(Sample.IMAGE, normalization.apply(s.get(Sample.IMAGE)));
    }

    @Override
    public NDList inputs(NDManager manager, List<Sample> batch) {
        return new NDList(stack(manager, batch, Sample.IMAGE));
    }

    @Override
    public NDList labels(NDManager manager, List<Sample> batch) {
        return new NDList(stack(manager, batch, Sample.MASK));
    }

    /** Stacks the arrays named {@code key} of equally sized samples into (N, C, H, W). */
    public static NDArray stack(NDManager manager, List<Sample> batch, String key) {
        FloatImage first = batch.get(0).get(key);
        int per = first.data().length;
        float[] all = new float[per * batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            FloatImage a = batch.get(i).get(key);
            if (a.data().length != per || !a.sameSize(first)) {
                throw new IllegalArgumentException("sample " + batch.get(i).id() + ": '" + key + "' is "
                        + a.channels() + "x" + a.height() + "x" + a.width() + ", expected "
                        + first.channels() + "x" + first.height() + "x" + first.width());
            }
            System.arraycopy(a.data(), 0, all, i * per, per);
        }
        return HostArrays.of(manager, all,
                new Shape(batch.size(), first.channels(), first.height(), first.width()));
    }

    @Override
    public Validation newValidation() {
        return new SegmentationValidation(this::probability);
    }

    /**
     * Resizes the whole image to the network's input size (antialiased bilinear, as in training)
     * and normalises it with statistics of the whole image.
     */
    @Override
    public PreparedImage preprocess(FloatImage image) {
        Sample prepared = prepare(new Sample("input", Map.of(Sample.IMAGE, image)), null,
                new Random(0));
        return new PreparedImage(prepared.get(Sample.IMAGE), image);
    }

    /** The foreground probability of each window, named {@code PROBABILITY}. */
    @Override
    public NDList forward(Block network, ParameterStore ps, NDArray windows) {
        NDArray p = probability(network.forward(ps, new NDList(windows), false));
        p.setName(PredictionOutput.PROBABILITY.name());
        return new NDList(p);
    }

    /** The stitched probability resized back to the image's size (antialiased bilinear). */
    @Override
    public Prediction postprocess(NDManager manager, Map<String, FloatImage> maps,
            PreparedImage prepared) {
        FloatImage p = maps.get(PredictionOutput.PROBABILITY.name());
        FloatImage full = Resample.bilinearAntialias(p, prepared.original().height(),
                prepared.original().width());
        return binaryPrediction(full);
    }

    /** A prediction holding {@code probability} and its foreground fraction above 0.5. */
    public static Prediction binaryPrediction(FloatImage probability) {
        long fg = 0;
        for (float v : probability.data()) {
            fg += v > 0.5f ? 1 : 0;
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("foreground_pixels", fg);
        summary.put("foreground_fraction", (double) fg / probability.data().length);
        return new Prediction(Map.of(PredictionOutput.PROBABILITY, probability), summary);
    }

    /** The network's total stride: window sides are multiples of it. */
    @Override
    public abstract int stride();

    /** One stride of overlap hides the windows' borders. */
    @Override
    public int margin() {
        return stride();
    }

    @Override
    public PredictionWriter writer(double threshold) {
        return new BinaryMaskWriter(threshold);
    }

    /**
     * Validation metrics of thresholded predictions (p > 0.5) against binarised targets
     * (t > 0.5), through {@link BinarySegmentationMetrics}: {@code dice}/{@code iou} are means over
     * images, {@code pooled_dice} pools all pixels as the FRCU-Net reference evaluation does,
     * {@code accuracy} is the pooled pixel accuracy.
     */
    static final class SegmentationValidation implements Validation {
        private final java.util.function.Function<NDList, NDArray> probability;
        private final BinarySegmentationMetrics metrics = new BinarySegmentationMetrics();

        SegmentationValidation(java.util.function.Function<NDList, NDArray> probability) {
            this.probability = probability;
        }

        @Override
        public void update(NDList outputs, NDList labels) {
            float[] p = probability.apply(outputs).toFloatArray();
            NDArray t = labels.head();
            float[] truth = t.toFloatArray();
            int n = (int) t.getShape().get(0);
            int per = truth.length / n;
            for (int i = 0; i < n; i++) {
                float[] pi = java.util.Arrays.copyOfRange(p, i * per, (i + 1) * per);
                int[] ti = new int[per];
                for (int j = 0; j < per; j++) {
                    ti[j] = truth[i * per + j] > 0.5f ? 1 : 0;
                }
                metrics.update(pi, ti);
            }
        }

        @Override
        public Map<String, Double> result() {
            MetricResult r = metrics.result();
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("dice", r.get("mean_image_dice"));
            out.put("iou", r.get("mean_image_iou"));
            out.put("pooled_dice", r.get("f1"));
            out.put("accuracy", r.get("accuracy"));
            return out;
        }
    }
}
