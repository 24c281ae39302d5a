package dev.freqmed.metric;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads typed nucleus centroids from a CSV file with the header {@code x,y,type}. */
public final class CentroidCsvReader {

    private CentroidCsvReader() {
    }

    /**
     * Reads the centroids of one image (x = column, y = row, in pixels; an integer type).
     *
     * @throws IOException naming the file and line when the header or a row is malformed
     */
    public static List<Centroid> read(Path path) throws IOException {
        List<Centroid> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (header == null || !header.trim().replace(" ", "").equalsIgnoreCase("x,y,type")) {
                throw new IOException(path + ": expected the header 'x,y,type', found "
                        + (header == null ? "an empty file" : "'" + header + "'"));
            }
            String line;
            int no = 1;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",");
                if (f.length != 3) {
                    throw new IOException(path + ":" + no + ": expected 3 fields x,y,type, found "
                            + f.length);
                }
                try {
                    double x = Double.parseDouble(f[0].trim());
                    double y = Double.parseDouble(f[1].trim());
                    double t = Double.parseDouble(f[2].trim());
                    if (t != Math.rint(t)) {
                        throw new NumberFormatException("type " + f[2].trim() + " is not an integer");
                    }
                    out.add(new Centroid(x, y, (int) t));
                } catch (NumberFormatException e) {
                    throw new IOException(path + ":" + no + ": not a number (" + e.getMessage() + ")", e);
                }
            }
        }
        return out;
    }
}
