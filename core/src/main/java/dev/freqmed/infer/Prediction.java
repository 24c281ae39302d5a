package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a model predicts for one input, after post-processing, at the input's original size:
 * named arrays ({@link PredictionOutput}) and a summary of plain values (foreground fraction,
 * object counts, ...).
 *
 * @param arrays  the arrays, by kind
 * @param summary named numbers or words about the prediction
 */
public record Prediction(Map<PredictionOutput, FloatImage> arrays, Map<String, Object> summary) {

    /** Copies and freezes both maps. */
    public Prediction {
        EnumMap<PredictionOutput, FloatImage> a = new EnumMap<>(PredictionOutput.class);
        a.putAll(arrays);
        arrays = Collections.unmodifiableMap(a);
        summary = Collections.unmodifiableMap(new LinkedHashMap<>(summary));
    }

    /**
     * The array of a kind.
     *
     * @param kind the kind
     * @return the array
     * @throws IllegalArgumentException when this prediction has none of that kind
     */
    public FloatImage get(PredictionOutput kind) {
        FloatImage a = arrays.get(kind);
        if (a == null) {
            throw new IllegalArgumentException("this prediction holds " + arrays.keySet()
                    + ", not " + kind);
        }
        return a;
    }
}
