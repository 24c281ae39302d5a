package dev.freqmed.spark;

import dev.freqmed.io.CsvFields;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The batch job's CSV files, read and written as {@link CsvFields} does (RFC 4180). */
final class Csv {

    private Csv() {
    }

    /** Reads every record of a file. */
    static List<List<String>> read(Path file) throws IOException {
        try {
            return CsvFields.records(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** One record, quoted where needed, ending with a line break. */
    static String line(List<String> cells) {
        return CsvFields.line(cells);
    }
}
