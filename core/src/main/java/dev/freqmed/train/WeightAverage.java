package dev.freqmed.train;

import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running mean of a network's weights over the ends of several epochs ({@code train.average},
 * stochastic weight averaging): every float32 tensor, BatchNorm running statistics included, is
 * averaged element by element; any other tensor (a counter) keeps its latest value.
 *
 * <p>The mean is updated in float32 as {@code m += (w - m) / n}, so the mean stored in a
 * checkpoint is exactly the one an uninterrupted run continues from, and a resumed run ends with
 * the same averaged weights bit for bit.
 */
final class WeightAverage {

    private final Map<String, HostTensor> mean = new LinkedHashMap<>();
    private int count;

    /** An empty average. */
    WeightAverage() {
    }

    /**
     * The average restored from a checkpoint's tensors, holding {@code count} snapshots.
     *
     * @throws IllegalArgumentException when {@code count > 0} and the tensors are missing
     */
    static WeightAverage restore(Map<String, HostTensor> tensors, int count) {
        if (count > 0 && tensors.isEmpty()) {
            throw new IllegalArgumentException("the checkpoint holds no averaged weights, but its"
                    + " training state says " + count + " epochs were averaged");
        }
        WeightAverage a = new WeightAverage();
        a.mean.putAll(tensors);
        a.count = count;
        return a;
    }

    /** Adds one snapshot of the weights (keys and shapes must stay the same). */
    void add(Map<String, HostTensor> weights) {
        if (count > 0 && !weights.keySet().equals(mean.keySet())) {
            throw new IllegalStateException("the network's parameters changed between averaged epochs");
        }
        count++;
        for (Map.Entry<String, HostTensor> e : weights.entrySet()) {
            HostTensor w = e.getValue();
            HostTensor m = mean.get(e.getKey());
            if (w.dtype() != DType.FLOAT32 || m == null) {
                mean.put(e.getKey(), w.copy());
                continue;
            }
            float[] mv = m.toFloatArray();
            float[] wv = w.toFloatArray();
            float n = count;
            for (int i = 0; i < mv.length; i++) {
                mv[i] += (wv[i] - mv[i]) / n;
            }
            mean.put(e.getKey(), HostTensor.of(DType.FLOAT32, w.shape(), mv));
        }
    }

    /** How many snapshots the mean holds. */
    int count() {
        return count;
    }

    /** The mean weights by key (empty before the first snapshot). */
    Map<String, HostTensor> tensors() {
        return java.util.Collections.unmodifiableMap(mean);
    }
}
