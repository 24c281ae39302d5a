package dev.freqmed.metric;

import dev.freqmed.metric.EvaluationInputs.FilePair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The common part of the registered evaluation families: it holds what a family declares, checks
 * the request's settings against them before scoring, and turns an {@link UncheckedIOException}
 * from per-image workers back into the {@link IOException} that names the file.
 */
abstract class FamilyBase implements EvaluationFamily {

    private final String name;
    private final String description;
    private final String inputs;
    private final Set<EvaluationRequest.Setting> settings;
    private final List<MetricKey> keys;

    FamilyBase(String name, String description, String inputs,
            Set<EvaluationRequest.Setting> settings, List<MetricKey> keys) {
        this.name = name;
        this.description = description;
        this.inputs = inputs;
        this.settings = Collections.unmodifiableSet(settings.isEmpty()
                ? EnumSet.noneOf(EvaluationRequest.Setting.class) : EnumSet.copyOf(settings));
        this.keys = List.copyOf(keys);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final String inputs() {
        return inputs;
    }

    @Override
    public final Set<EvaluationRequest.Setting> settings() {
        return settings;
    }

    @Override
    public final List<MetricKey> keys() {
        return keys;
    }

    @Override
    public final EvaluationReport evaluate(EvaluationRequest request) throws IOException {
        request.checkApplies(this);
        try {
            return score(request);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Scores a request whose settings were checked. */
    abstract EvaluationReport score(EvaluationRequest request) throws IOException;

    /** A result tree whose first key is {@code task}. */
    final Map<String, Object> newResult() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("task", name);
        return json;
    }

    /** The shared stems of the pairs, in order. */
    static List<String> names(List<FilePair> pairs) {
        return pairs.stream().map(FilePair::name).toList();
    }

    /** An error about one pair, naming both files. */
    static IOException pairError(FilePair p, String message) {
        return new IOException(p.pred() + " vs " + p.truth() + ": " + message);
    }

    /** Checks that a prediction and its truth have the same size. */
    static void sameSize(FilePair p, int w1, int h1, int w2, int h2) throws IOException {
        if (w1 != w2 || h1 != h2) {
            throw pairError(p, "size mismatch: prediction is " + w1 + "x" + h1
                    + ", ground truth is " + w2 + "x" + h2);
        }
    }
}
