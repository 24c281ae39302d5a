package dev.freqmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.BinaryFolderReader;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.SampleSource;
import dev.freqmed.data.Sample;
import dev.freqmed.data.transform.Normalization;
import dev.freqmed.data.transform.Resample;
import dev.freqmed.data.transform.Transform;
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
        return manager.create(all, new Shape(batch.size(), first.channels(), first.height(), first.width()));
    }

    @Override
    public Validation newValidation() {
        return new SegmentationValidation(this::probability);
    }

    @Override
    public FloatImage predict(NDManager manager, Block network, FloatImage image) {
        Sample prepared = prepare(new Sample("input", Map.of(Sample.IMAGE, image)), null, new Random(0));
        try (NDManager sub = manager.newSubManager()) {
            NDList in = inputs(sub, List.of(prepared));
            NDList out = network.forward(new ParameterStore(sub, false), in, false);
            NDArray p = probability(out);
            float[] values = p.toFloatArray();
            FloatImage small = new FloatImage(1, inputHeight, inputWidth, values);
            return Resample.bilinearAntialias(small, image.height(), image.width());
        }
    }

    /**
     * Dice, IoU and pixel accuracy of thresholded predictions (p > 0.5) against binarised targets
     * (t > 0.5): {@code dice}/{@code iou} are means over images (an image empty in both counts as
     * 1), {@code pooled_dice} pools all pixels as the FRCU-Net reference evaluation does.
     */
    static final class SegmentationValidation implements Validation {
        private final java.util.function.Function<NDList, NDArray> probability;
        private long tp;
        private long fp;
        private long fn;
        private long tn;
        private double diceSum;
        private double iouSum;
        private int images;

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
                long a = 0;
                long b = 0;
                long c = 0;
                long d = 0;
                for (int j = i * per; j < (i + 1) * per; j++) {
                    boolean pp = p[j] > 0.5f;
                    boolean tt = truth[j] > 0.5f;
                    if (pp && tt) {
                        a++;
                    } else if (pp) {
                        b++;
                    } else if (tt) {
                        c++;
                    } else {
                        d++;
                    }
                }
                tp += a;
                fp += b;
                fn += c;
                tn += d;
                diceSum += a + b + c == 0 ? 1.0 : 2.0 * a / (2.0 * a + b + c);
                iouSum += a + b + c == 0 ? 1.0 : (double) a / (a + b + c);
                images++;
            }
        }

        @Override
        public Map<String, Double> result() {
            Map<String, Double> r = new LinkedHashMap<>();
            r.put("dice", images == 0 ? Double.NaN : diceSum / images);
            r.put("iou", images == 0 ? Double.NaN : iouSum / images);
            long all = tp + fp + fn + tn;
            r.put("pooled_dice", tp + fp + fn == 0 ? 1.0 : 2.0 * tp / (2.0 * tp + fp + fn));
            r.put("accuracy", all == 0 ? Double.NaN : (double) (tp + tn) / all);
            return r;
        }
    }
}
