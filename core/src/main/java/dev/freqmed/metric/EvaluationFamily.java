package dev.freqmed.metric;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * One task family of {@code freqmed evaluate}: it reads a folder of predictions and a folder of
 * ground truth, scores every pair with the family's metrics and returns an
 * {@link EvaluationReport}. Families are registered in {@link MetricRegistry} under their
 * lower-case names ({@code binary}, {@code sod}, {@code instance}, {@code nuclei-type},
 * {@code fewshot}, {@code fid}, {@code kid}); each states what it reads, which request settings it
 * uses and the keys it reports with their direction.
 */
public interface EvaluationFamily {

    /** The registry name, lower case. */
    String name();

    /** One line: what is scored and which reference it matches. */
    String description();

    /** What the two folders must hold (formats, pairing). */
    String inputs();

    /** The request settings this family reads; any other given setting is an error. */
    Set<EvaluationRequest.Setting> settings();

    /** The headline scalar keys of the result, with the direction in which each improves. */
    List<MetricKey> keys();

    /**
     * Scores every pair of the request.
     *
     * @throws IOException              naming the file for unreadable, unpaired, mismatched or
     *                                  malformed inputs
     * @throws IllegalArgumentException for a setting this family does not read or an invalid value
     */
    EvaluationReport evaluate(EvaluationRequest request) throws IOException;
}
