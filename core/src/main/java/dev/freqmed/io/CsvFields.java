package dev.freqmed.io;

import java.util.ArrayList;
import java.util.List;

/**
 * One line of comma-separated values as RFC 4180 writes it: a field that holds a comma, a quote
 * or a line break is quoted, with its quotes doubled; empty fields count, trailing ones too.
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
     * @return its fields, unquoted; {@code "a,,"} gives three
     */
    public static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
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
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        out.add(field.toString());
        return out;
    }
}
