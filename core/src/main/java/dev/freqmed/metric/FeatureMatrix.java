package dev.freqmed.metric;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A matrix of feature vectors, one sample per row (for FID and KID).
 *
 * @param rows samples
 * @param cols feature dimension
 * @param data row-major values
 */
public record FeatureMatrix(int rows, int cols, double[] data) {

    /** Validates the shape. */
    public FeatureMatrix {
        if (rows <= 0 || cols <= 0 || data.length != (long) rows * cols) {
            throw new IllegalArgumentException("feature matrix " + rows + "x" + cols
                    + " needs " + (long) rows * cols + " values, found " + data.length);
        }
    }

    /** Value at row {@code r}, column {@code c}. */
    public double get(int r, int c) {
        return data[r * cols + c];
    }

    /**
     * Reads a CSV of numbers without header, one sample per row (commas or whitespace).
     *
     * @throws IOException naming the file and line for ragged rows or non-numbers, or an empty file
     */
    public static FeatureMatrix readCsv(Path path) throws IOException {
        List<double[]> rows = new ArrayList<>();
        int cols = -1;
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split("[,\\s]+");
                if (cols < 0) {
                    cols = f.length;
                } else if (f.length != cols) {
                    throw new IOException(path + ":" + no + ": expected " + cols
                            + " values as on the first row, found " + f.length);
                }
                double[] v = new double[cols];
                for (int i = 0; i < cols; i++) {
                    try {
                        v[i] = Double.parseDouble(f[i]);
                    } catch (NumberFormatException e) {
                        throw new IOException(path + ":" + no + ": not a number '" + f[i] + "'", e);
                    }
                }
                rows.add(v);
            }
        }
        if (rows.isEmpty()) {
            throw new IOException(path + ": no feature rows found");
        }
        double[] data = new double[rows.size() * cols];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, data, i * cols, cols);
        }
        return new FeatureMatrix(rows.size(), cols, data);
    }
}
