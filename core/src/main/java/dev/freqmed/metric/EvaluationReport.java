package dev.freqmed.metric;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an {@link EvaluationFamily} produced: the result as a JSON-ready tree (maps, lists,
 * numbers, strings; the first key is {@code task}), a short summary for people, optional per-image
 * rows and optional curves.
 */
public final class EvaluationReport {

    /**
     * One line of the summary.
     *
     * @param label what the value is, for people
     * @param value a number (printed with six decimals) or any other value (printed as is)
     */
    public record Line(String label, Object value) {
    }

    /**
     * Per-image rows, one per prediction/truth pair, in pairing order.
     *
     * @param columns column names, the first being {@code name}
     * @param rows    one list of values per image, as long as {@code columns}
     */
    public record Table(List<String> columns, List<List<Object>> rows) {

        /** Validates the row lengths and copies. */
        public Table {
            columns = List.copyOf(columns);
            List<List<Object>> copy = new ArrayList<>(rows.size());
            for (List<Object> r : rows) {
                if (r.size() != columns.size()) {
                    throw new IllegalArgumentException("a row has " + r.size()
                            + " values for " + columns.size() + " columns " + columns);
                }
                copy.add(Collections.unmodifiableList(new ArrayList<>(r)));
            }
            rows = Collections.unmodifiableList(copy);
        }

        /**
         * The rows as CSV: a header line, one line per image, values written with
         * {@link String#valueOf(Object)} (doubles in Java's shortest round-trip form, NaN as
         * {@code NaN}), every line ending with a newline.
         */
        public String toCsv() {
            StringBuilder sb = new StringBuilder(String.join(",", columns)).append('\n');
            for (List<Object> r : rows) {
                for (int i = 0; i < r.size(); i++) {
                    sb.append(i == 0 ? "" : ",").append(r.get(i));
                }
                sb.append('\n');
            }
            return sb.toString();
        }
    }

    private final String family;
    private final Map<String, Object> values;
    private final List<Line> summary;
    private final Table perImage;
    private final MetricResult curves;

    /**
     * @param family   the family's name
     * @param values   the JSON-ready result (kept in its order)
     * @param summary  lines for people
     * @param perImage per-image rows, or {@code null} when the family has none
     * @param curves   a result holding curves, or {@code null} when the family has none
     */
    public EvaluationReport(String family, Map<String, Object> values, List<Line> summary,
            Table perImage, MetricResult curves) {
        this.family = family;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.summary = List.copyOf(summary);
        this.perImage = perImage;
        this.curves = curves;
    }

    /** The family that produced this report. */
    public String family() {
        return family;
    }

    /** The JSON-ready result, in order. */
    public Map<String, Object> values() {
        return values;
    }

    /** Summary lines for people. */
    public List<Line> summary() {
        return summary;
    }

    /** Per-image rows, when the family has them. */
    public Optional<Table> perImage() {
        return Optional.ofNullable(perImage);
    }

    /** The result holding the curves (for {@link CurveWriter}), when the family has them. */
    public Optional<MetricResult> curves() {
        return Optional.ofNullable(curves);
    }
}
