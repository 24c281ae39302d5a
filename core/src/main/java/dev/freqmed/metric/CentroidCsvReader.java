package dev.freqmed.metric;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.format.Mat5File;
import us.hebi.matlab.mat.types.Matrix;

/**
 * Reads typed nucleus centroids from a CSV file with the header {@code x,y,type}, or from a
 * HoVer-Net style MATLAB v5 {@code .mat} file holding {@code inst_centroid} (N x 2, x then y) and
 * {@code inst_type} (N x 1).
 */
public final class CentroidCsvReader {

    private CentroidCsvReader() {
    }

    /**
     * Reads the centroids of one image (x = column, y = row, in pixels; an integer type).
     *
     * @throws IOException naming the file and line when the header or a row is malformed
     */
    public static List<Centroid> read(Path path) throws IOException {
        if (path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".mat")) {
            return readMat(path);
        }
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
                        throw new NumberFormatException("type " + f[2].trim()
                                + " is not an integer");
                    }
                    out.add(new Centroid(x, y, (int) t));
                } catch (NumberFormatException e) {
                    throw new IOException(path + ":" + no + ": not a number (" + e.getMessage()
                            + ")", e);
                }
            }
        }
        return out;
    }

    private static List<Centroid> readMat(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "file does not exist");
        }
        try (Mat5File f = Mat5.readFromFile(path.toFile())) {
            Matrix c = f.getMatrix("inst_centroid");
            Matrix t = f.getMatrix("inst_type");
            int n = c.getNumElements() == 0 ? 0 : c.getNumRows();
            if (n > 0 && c.getNumCols() != 2) {
                throw new IOException(path + ": inst_centroid must be N x 2, found "
                        + c.getNumRows() + " x " + c.getNumCols());
            }
            if (t.getNumElements() != n) {
                throw new IOException(path + ": inst_type has " + t.getNumElements()
                        + " entries but inst_centroid has " + n + " rows");
            }
            List<Centroid> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(new Centroid(c.getDouble(i, 0), c.getDouble(i, 1), (int) t.getDouble(i)));
            }
            return out;
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(path.toString())) {
                throw e;
            }
            throw new IOException(path + ": not a readable MATLAB v5 file (" + e.getMessage()
                    + ")", e);
        } catch (RuntimeException e) {
            throw new IOException(path + ": needs numeric arrays inst_centroid and inst_type ("
                    + e.getMessage() + ")", e);
        }
    }
}
