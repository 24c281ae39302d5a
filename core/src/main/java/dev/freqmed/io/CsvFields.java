package dev.freqmed.io;

import java.util.ArrayList;
import java.util.List;

/**
 * Comma-separated values as RFC 4180 writes them: a field that holds a comma, a quote or a line
 * break is quoted, with its quotes doubled; empty fields count, trailing ones too. Fields are
 * read with surrounding blanks trimmed.
 */
public final class CsvFields {

    private CsvFields() {
    }

    /**
     * A field as it should be written.
     *
     * @param value the text
     * @return the text, quoted when it holds a comma, a quote or a line break
     */
    public static String quote(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0
                && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    /**
     * The fields of one line (without its line break).
     *
     * @param line the line
     * @return its fields, unquoted and trimmed; {@code "a,,"} gives three
     * @throws IllegalArgumentException when a quoted field is not closed
     */
    public static List<String> split(String line) {
        List<List<String>> rows = records(line);
        return rows.isEmpty() ? List.of("") : rows.get(0);
    }

    /**
     * Every record of a CSV text (a leading byte-order mark is skipped; quoted fields may hold
     * line breaks).
     *
     * @param text the whole text
     * @return the records, each a list of unquoted, trimmed fields
     * @throws IllegalArgumentException when a quoted field is not closed
     */
    public static List<List<String>> records(String text) {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            any = true;
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString().trim());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(field.toString().trim());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                any = false;
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unterminated quoted field");
        }
        if (any) {
            row.add(field.toString().trim());
            rows.add(row);
        }
        return rows;
    }

    /**
     * One record, each field quoted where needed, ending with a line break.
     *
     * @param cells the fields
     * @return the line
     */
    public static String line(List<String> cells) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(quote(cells.get(i)));
        }
        return sb.append('\n').toString();
    }
}
