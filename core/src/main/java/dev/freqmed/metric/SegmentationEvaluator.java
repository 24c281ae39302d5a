package dev.freqmed.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.evaluator.Evaluator;
import dev.freqmed.tensor.HostArrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DJL {@link Evaluator} adapter over {@link BinarySegmentationMetrics}, so the trainer can report
 * FRCU-Net's metrics during validation. Predictions are foreground probabilities of shape
 * {@code (N, 1, H, W)} or {@code (N, H, W)}; labels have the same number of elements per sample,
 * any non-zero value being foreground. The reported value is one key of the metric's result
 * ({@code f1}, {@code jaccard_score}, {@code mean_image_dice}, ...), over everything accumulated
 * since the last reset.
 */
public final class SegmentationEvaluator extends Evaluator {

    private final String key;
    private final double threshold;
    private final ConcurrentHashMap<String, BinarySegmentationMetrics> accumulators =
            new ConcurrentHashMap<>();

    /**
     * @param name      evaluator name shown by the trainer
     * @param key       result key to report (for example {@code "mean_image_dice"})
     * @param threshold probability threshold (the reference uses 0.5)
     * @throws IllegalArgumentException for an unknown key or a threshold outside [0, 1)
     */
    public SegmentationEvaluator(String name, String key, double threshold) {
        super(name);
        BinarySegmentationMetrics probe = new BinarySegmentationMetrics(threshold);
        if (!probe.result().scalars().containsKey(key)) {
            throw new IllegalArgumentException("unknown binary metric '" + key + "'; valid: "
                    + probe.result().scalars().keySet());
        }
        this.key = key;
        this.threshold = threshold;
    }

    private BinarySegmentationMetrics fill(NDList labels, NDList predictions) {
        NDArray pred = predictions.singletonOrThrow();
        NDArray label = labels.singletonOrThrow();
        long n = pred.getShape().get(0);
        if (n == 0 || label.getShape().get(0) != n || label.size() != pred.size()) {
            throw new IllegalArgumentException("labels " + label.getShape()
                    + " do not match predictions " + pred.getShape());
        }
        float[] p = pred.toType(DataType.FLOAT32, false).toFloatArray();
        float[] l = label.toType(DataType.FLOAT32, false).toFloatArray();
        int per = (int) (p.length / n);
        BinarySegmentationMetrics m = new BinarySegmentationMetrics(threshold);
        float[] pi = new float[per];
        int[] li = new int[per];
        for (int s = 0; s < n; s++) {
            System.arraycopy(p, s * per, pi, 0, per);
            for (int i = 0; i < per; i++) {
                li[i] = l[s * per + i] != 0 ? 1 : 0;
            }
            m.update(pi, li);
        }
        return m;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        double v = fill(labels, predictions).result().get(key);
        return HostArrays.scalar(predictions.head().getManager(), (float) v);
    }

    @Override
    public void addAccumulator(String name) {
        accumulators.put(name, new BinarySegmentationMetrics(threshold));
        totalInstances.put(name, 0L);
    }

    @Override
    public void updateAccumulator(String name, NDList labels, NDList predictions) {
        BinarySegmentationMetrics batch = fill(labels, predictions);
        BinarySegmentationMetrics acc = accumulators.get(name);
        if (acc == null) {
            throw new IllegalArgumentException("no accumulator called '" + name + "'");
        }
        synchronized (acc) {
            acc.merge(batch);
        }
        totalInstances.compute(name, (k, v) -> (v == null ? 0 : v) + batch.images());
    }

    @Override
    public void resetAccumulator(String name) {
        accumulators.put(name, new BinarySegmentationMetrics(threshold));
        totalInstances.put(name, 0L);
    }

    @Override
    public float getAccumulator(String name) {
        BinarySegmentationMetrics acc = accumulators.get(name);
        if (acc == null) {
            throw new IllegalArgumentException("no accumulator called '" + name + "'");
        }
        synchronized (acc) {
            return (float) acc.result().get(key);
        }
    }
}
