package dev.freqmed.metric;

import dev.freqmed.io.CsvFields;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.format.Mat5File;
import us.hebi.matlab.mat.types.Matrix;

/**
 * Reads typed nucleus centroids from a CSV file whose header names the columns {@code x},
 * {@code y} and {@code type} (e.g. {@code x,y,type}, or {@code id,x,y,area,type} as predict
 * writes), or from a
 * HoVer-Net style MATLAB v5 {@code .mat} file holding {@code inst_centroid} (N x 2, x then y) and
 * {@code inst_type} (N x 1), or, when those are absent, {@code inst_map} and {@code type_map}
 * from which they are derived ({@link #fromMaps}).
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
            List<String> names;
            try {
                names = header == null ? List.of()
                        : CsvFields.split(header).stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
            } catch (IllegalArgumentException e) {
                throw new IOException(path + ":1: " + e.getMessage(), e);
            }
            int xi = names.indexOf("x");
            int yi = names.indexOf("y");
            int ti = names.indexOf("type");
            if (xi < 0 || yi < 0 || ti < 0) {
                throw new IOException(path + ": expected a header with the columns x, y and type (as 'x,y,type'"
                        + " or predict's 'id,x,y,area,type'), found "
                        + (header == null ? "an empty file" : "'" + header + "'"));
            }
            String line;
            int no = 1;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                List<String> all;
                try {
                    all = CsvFields.split(line);
                } catch (IllegalArgumentException e) {
                    throw new IOException(path + ":" + no + ": " + e.getMessage(), e);
                }
                if (all.size() != names.size()) {
                    throw new IOException(path + ":" + no + ": expected " + names.size() + " fields "
                            + String.join(",", names) + ", found " + all.size());
                }
                String[] f = {all.get(xi), all.get(yi), all.get(ti)};
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
            if (!has(f, "inst_centroid") && has(f, "inst_map") && has(f, "type_map")) {
                return fromMaps(path, f.getMatrix("inst_map"), f.getMatrix("type_map"));
            }
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

    private static boolean has(Mat5File f, String name) {
        try {
            f.getArray(name);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static List<Centroid> fromMaps(Path path, Matrix inst, Matrix type) throws IOException {
        int h = inst.getNumRows();
        int w = inst.getNumCols();
        if (type.getNumRows() != h || type.getNumCols() != w) {
            throw new IOException(path + ": type_map is " + type.getNumRows() + "x"
                    + type.getNumCols() + " but inst_map is " + h + "x" + w);
        }
        int[] ids = new int[w * h];
        int[] types = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                ids[y * w + x] = (int) inst.getDouble(y, x);
                types[y * w + x] = (int) type.getDouble(y, x);
            }
        }
        return fromMaps(new InstanceMap(w, h, ids), types);
    }

    /**
     * Typed centroids of the instances of a map, as HoVer-Net's post-processing derives them:
     * the centroid is the mean column and mean row of the instance's pixels (image moments
     * m10/m00, m01/m00) and the type is the most frequent value of the type map inside the
     * instance (the smaller type on a tie), or the second most frequent one when the most frequent
     * is 0 and another exists. Instances are listed by ascending id.
     *
     * @param instances instance ids, 0 = background
     * @param typeMap   row-major type per pixel, same size
     * @throws IllegalArgumentException if the sizes differ
     */
    public static List<Centroid> fromMaps(InstanceMap instances, int[] typeMap) {
        int[] ids = instances.ids();
        if (typeMap.length != ids.length) {
            throw new IllegalArgumentException("type map has " + typeMap.length
                    + " pixels but instance map has " + ids.length);
        }
        int w = instances.width();
        TreeMap<Integer, long[]> acc = new TreeMap<>();
        Map<Integer, TreeMap<Integer, Long>> votes = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == 0) {
                continue;
            }
            long[] a = acc.computeIfAbsent(ids[i], k -> new long[3]);
            a[0]++;
            a[1] += i % w;
            a[2] += i / w;
            votes.computeIfAbsent(ids[i], k -> new TreeMap<>())
                    .merge(typeMap[i], 1L, Long::sum);
        }
        List<Centroid> out = new ArrayList<>(acc.size());
        for (Map.Entry<Integer, long[]> e : acc.entrySet()) {
            long[] a = e.getValue();
            int best = 0;
            long bestCount = -1;
            int second = 0;
            long secondCount = -1;
            for (Map.Entry<Integer, Long> v : votes.get(e.getKey()).entrySet()) {
                if (v.getValue() > bestCount) {
                    second = best;
                    secondCount = bestCount;
                    best = v.getKey();
                    bestCount = v.getValue();
                } else if (v.getValue() > secondCount) {
                    second = v.getKey();
                    secondCount = v.getValue();
                }
            }
            int t = best == 0 && secondCount >= 0 ? second : best;
            out.add(new Centroid((double) a[1] / a[0], (double) a[2] / a[0], t));
        }
        return out;
    }
}
