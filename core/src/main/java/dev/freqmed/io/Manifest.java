package dev.freqmed.io;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code manifest.json} of a FreqMed checkpoint folder: what network the weights belong to
 * and how they were made.
 *
 * @param format always {@value #FORMAT}
 * @param formatVersion the folder layout version, {@value #FORMAT_VERSION}
 * @param architecture the registry name of the network ({@code frcunet}, ...)
 * @param config the network's configuration as a JSON object
 * @param inputSize the input size the network was trained at ({@code [H, W]} or
 *     {@code [C, H, W]}), or null
 * @param normalization how inputs are normalised (free text, e.g. {@code imagenet}), or null
 * @param trainingData a description of the training data, or null
 * @param metrics named validation metrics
 * @param versions software versions: {@code freqmed}, {@code djl}, {@code libtorch}
 * @param created creation time, ISO-8601
 * @param extra anything else (e.g. the source file of imported weights)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(String format, int formatVersion, String architecture,
        Map<String, Object> config, int[] inputSize, String normalization, String trainingData,
        Map<String, Double> metrics, Map<String, String> versions, String created,
        Map<String, Object> extra) {

    /** The value of {@code format}. */
    public static final String FORMAT = "freqmed-checkpoint";
    /** The current {@code formatVersion}. */
    public static final int FORMAT_VERSION = 1;

    /** Replaces null maps by empty ones. */
    public Manifest {
        config = config == null ? Map.of() : config;
        metrics = metrics == null ? Map.of() : metrics;
        versions = versions == null ? Map.of() : versions;
        extra = extra == null ? Map.of() : extra;
    }

    /**
     * A manifest for {@code architecture} and {@code config}, stamped with the current time and
     * the running FreqMed/DJL/libtorch versions; the other fields are empty.
     */
    public static Manifest of(String architecture, Map<String, Object> config) {
        return new Manifest(FORMAT, FORMAT_VERSION, architecture, config, null, null, null,
                Map.of(), currentVersions(), Instant.now().toString(), Map.of());
    }

    /** A copy with other metrics. */
    public Manifest withMetrics(Map<String, Double> m) {
        return new Manifest(format, formatVersion, architecture, config, inputSize, normalization,
                trainingData, m, versions, created, extra);
    }

    /** A copy with another training-data description. */
    public Manifest withTrainingData(String data) {
        return new Manifest(format, formatVersion, architecture, config, inputSize, normalization,
                data, metrics, versions, created, extra);
    }

    /** A copy with another input size and normalisation. */
    public Manifest withInput(int[] size, String norm) {
        return new Manifest(format, formatVersion, architecture, config, size, norm,
                trainingData, metrics, versions, created, extra);
    }

    /** A copy with one more {@code extra} entry. */
    public Manifest withExtra(String key, Object value) {
        Map<String, Object> e = new LinkedHashMap<>(extra);
        e.put(key, value);
        return new Manifest(format, formatVersion, architecture, config, inputSize, normalization,
                trainingData, metrics, versions, created, e);
    }

    /** The versions of FreqMed, DJL and libtorch on the class path (unknown ones omitted). */
    public static Map<String, String> currentVersions() {
        Map<String, String> v = new LinkedHashMap<>();
        String fm = Manifest.class.getPackage().getImplementationVersion();
        v.put("freqmed", fm == null ? "0.1.0-SNAPSHOT" : fm);
        String djl = ai.djl.engine.Engine.class.getPackage().getImplementationVersion();
        v.put("djl", djl == null ? "0.35.0" : djl);
        v.put("libtorch", "2.7.1");
        return v;
    }
}
