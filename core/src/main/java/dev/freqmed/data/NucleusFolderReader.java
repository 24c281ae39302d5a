package dev.freqmed.data;

import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.format.Mat5File;
import us.hebi.matlab.mat.types.Matrix;

/**
 * Reads nucleus instance/type datasets: an images folder and a labels folder whose files share
 * the image stems. For each image {@code STEM} the labels are, in this order of preference:
 * <ul>
 *   <li>{@code LABELS/STEM.mat} (MATLAB v5, HoVer-Net / CoNSeP / CD47-IHCNuSC style):
 *       {@code inst_map} (required), {@code type_map}, or else {@code inst_type} (one type per
 *       instance id 1..N) from which the type map is built; {@code inst_centroid} is not needed;
 *   <li>{@code LABELS/inst/STEM.png} (16-bit grey instance map) with optional
 *       {@code LABELS/type/STEM.png} (8-bit grey type map): the layout of the converted CoNSeP
 *       sample, where {@code images/}, {@code inst/}, {@code type/} and {@code nuclei/} sit in one
 *       split folder ({@link #openSplit});
 *   <li>{@code LABELS/STEM.png}: a 16-bit grey instance map without types.
 * </ul>
 * Type ids must lie in {@code 0..numClasses}; an instance map must be a single-channel 16-bit
 * image (an 8-bit map would silently cap the ids at 255, an RGB one is a visualisation).
 *
 * <p>Samples carry {@code image} (3, H, W) in 0..255, {@code inst_map} (1, H, W) and
 * {@code type_map} (1, H, W) as float ids.
 */
public final class NucleusFolderReader implements SampleSource {

    /** Sample key of the instance map. */
    public static final String INST_MAP = "inst_map";
    /** Sample key of the type map. */
    public static final String TYPE_MAP = "type_map";

    /**
     * One labelled tile.
     *
     * @param id        image stem
     * @param image     8-bit RGB pixels
     * @param instances {@code height * width} instance ids, 0 = background
     * @param types     {@code height * width} type ids, 0 = background; all 0 when the labels
     *                  carry no types
     * @param typed     whether the labels carried types
     */
    public record Tile(String id, RgbImage image, int[] instances, int[] types, boolean typed) {

        /** Rows. */
        public int height() {
            return image.height();
        }

        /** Columns. */
        public int width() {
            return image.width();
        }

        /** The image as (3, H, W) floats in 0..255. */
        public FloatImage rgb() {
            int n = height() * width();
            float[] d = new float[3 * n];
            byte[] px = image.data();
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 3; c++) {
                    d[c * n + i] = px[3 * i + c] & 0xff;
                }
            }
            return new FloatImage(3, height(), width(), d);
        }
    }

    private final List<Path> images;
    private final Path labels;
    private final int numClasses;

    private NucleusFolderReader(List<Path> images, Path labels, int numClasses) {
        this.images = images;
        this.labels = labels;
        this.numClasses = numClasses;
    }

    /**
     * Opens an images folder and a labels folder.
     *
     * @param numClasses largest valid type id (CoNSeP 4, CD47-IHCNuSC 8)
     * @throws IOException naming the folder when it is missing, holds no image, or an image has
     *                     no labels
     */
    public static NucleusFolderReader open(Path imagesDir, Path labelsDir, int numClasses)
            throws IOException {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, found " + numClasses);
        }
        if (!Files.isDirectory(imagesDir)) {
            throw new NoSuchFileException(imagesDir.toString(), null, "images folder not found");
        }
        if (!Files.isDirectory(labelsDir)) {
            throw new NoSuchFileException(labelsDir.toString(), null, "labels folder not found");
        }
        List<Path> found;
        try (Stream<Path> s = Files.list(imagesDir)) {
            found = s.filter(ImageIo::isImage).sorted().toList();
        }
        if (found.isEmpty()) {
            throw new IOException(imagesDir + ": no image files (" + ImageIo.EXTENSIONS + ")");
        }
        NucleusFolderReader r = new NucleusFolderReader(found, labelsDir, numClasses);
        for (Path p : found) {
            r.labelFile(ImageIo.stem(p));
        }
        return r;
    }

    /** Opens a split folder holding {@code images/}, {@code inst/} and {@code type/}. */
    public static NucleusFolderReader openSplit(Path splitDir, int numClasses) throws IOException {
        return open(splitDir.resolve("images"), splitDir, numClasses);
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public String id(int index) {
        return ImageIo.stem(images.get(index));
    }

    /** Image files in id order. */
    public List<Path> imageFiles() {
        return images;
    }

    /** The label file of a stem: the {@code .mat}, or the instance PNG. */
    private Path labelFile(String stem) throws IOException {
        Path mat = labels.resolve(stem + ".mat");
        if (Files.isRegularFile(mat)) {
            return mat;
        }
        Path inst = labels.resolve("inst").resolve(stem + ".png");
        if (Files.isRegularFile(inst)) {
            return inst;
        }
        Path png = labels.resolve(stem + ".png");
        if (Files.isRegularFile(png)) {
            return png;
        }
        throw new NoSuchFileException(mat.toString(), null, "no labels for image " + stem
                + " (expected " + mat.getFileName() + ", inst/" + stem + ".png or " + stem
                + ".png in " + labels + ")");
    }

    /**
     * Reads tile {@code index}.
     *
     * @throws IOException naming the file and the problem: unreadable image, missing
     *                     {@code inst_map}, an 8-bit or colour instance PNG, a type id outside
     *                     {@code 0..numClasses}, or maps of another size than the image
     */
    public Tile read(int index) throws IOException {
        Path imagePath = images.get(index);
        String stem = ImageIo.stem(imagePath);
        RgbImage image = ImageIo.readRgb(imagePath);
        Path label = labelFile(stem);
        int h = image.height();
        int w = image.width();
        int[] inst;
        int[] types;
        Path typeSource = label;
        if (label.getFileName().toString().endsWith(".mat")) {
            int[][] maps = readMat(label, h, w);
            inst = maps[0];
            types = maps[1];
        } else {
            inst = readInstancePng(label, h, w);
            types = null;
            Path typePng = label.getParent().getFileName() != null
                    && label.getParent().getFileName().toString().equals("inst")
                    ? label.getParent().getParent().resolve("type").resolve(stem + ".png")
                    : null;
            if (typePng != null && Files.isRegularFile(typePng)) {
                var g = ImageIo.readGray(typePng);
                checkSize(typePng, "type map", g.height(), g.width(), h, w);
                types = g.data();
                typeSource = typePng;
            }
        }
        boolean typed = types != null;
        if (!typed) {
            types = new int[h * w];
        }
        for (int i = 0; i < types.length; i++) {
            int t = types[i];
            if (t < 0 || t > numClasses) {
                throw new IOException(typeSource + ": type id " + t + " at (x " + (i % w)
                        + ", y " + (i / w) + ") is outside the classes 0.." + numClasses);
            }
        }
        return new Tile(stem, image, inst, types, typed);
    }

    @Override
    public Sample get(int index) throws IOException {
        Tile t = read(index);
        Map<String, FloatImage> arrays = new LinkedHashMap<>();
        arrays.put(Sample.IMAGE, t.rgb());
        arrays.put(INST_MAP, toFloat(t.instances(), t.height(), t.width()));
        arrays.put(TYPE_MAP, toFloat(t.types(), t.height(), t.width()));
        return new Sample(t.id(), arrays);
    }

    private static FloatImage toFloat(int[] v, int h, int w) {
        float[] d = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return new FloatImage(1, h, w, d);
    }

    /** Reads a single-channel 16-bit instance PNG, refusing 8-bit and colour files. */
    static int[] readInstancePng(Path path, int h, int w) throws IOException {
        BufferedImage img = ImageIo.read(path);
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        int bits = r.getSampleModel().getSampleSize(0);
        if (bands != 1 || img.getColorModel() instanceof IndexColorModel) {
            throw new IOException(path + ": an instance map must be a single-channel 16-bit"
                    + " grey image, found " + (img.getColorModel() instanceof IndexColorModel
                    ? "a palette image" : bands + " channels"));
        }
        if (bits != 16) {
            throw new IOException(path + ": an instance map must be 16-bit (ids up to 65535),"
                    + " found " + bits + "-bit samples");
        }
        checkSize(path, "instance map", img.getHeight(), img.getWidth(), h, w);
        return r.getSamples(0, 0, w, h, 0, (int[]) null);
    }

    private static void checkSize(Path path, String what, int h, int w, int eh, int ew)
            throws IOException {
        if (h != eh || w != ew) {
            throw new IOException(path + ": " + what + " is " + w + "x" + h + " but the image is "
                    + ew + "x" + eh);
        }
    }

    /** {instances, types or null} from a .mat file. */
    static int[][] readMat(Path path, int h, int w) throws IOException {
        try (Mat5File f = Mat5.readFromFile(path.toFile())) {
            Map<String, Matrix> vars = new LinkedHashMap<>();
            for (var e : f.getEntries()) {
                if (e.getValue() instanceof Matrix m) {
                    vars.put(e.getName(), m);
                }
            }
            Matrix im = vars.get("inst_map");
            if (im == null) {
                throw new IOException(path + ": no numeric array 'inst_map' (found "
                        + vars.keySet() + ")");
            }
            int[] inst = matrix2d(path, "inst_map", im, h, w, 0, Integer.MAX_VALUE);
            Matrix tm = vars.get("type_map");
            if (tm != null) {
                return new int[][] {inst, matrix2d(path, "type_map", tm, h, w, Integer.MIN_VALUE,
                        Integer.MAX_VALUE)};
            }
            Matrix it = vars.get("inst_type");
            if (it == null) {
                return new int[][] {inst, null};
            }
            // inst_type lists one type per instance id 1..N (HoVer-Net's .mat convention).
            int n = it.getNumElements();
            int[] types = new int[inst.length];
            for (int i = 0; i < inst.length; i++) {
                int id = inst[i];
                if (id == 0) {
                    continue;
                }
                if (id > n) {
                    throw new IOException(path + ": instance id " + id + " has no entry in"
                            + " inst_type (" + n + " entries) and there is no type_map");
                }
                double t = it.getDouble(id - 1);
                if (t != Math.rint(t)) {
                    throw new IOException(path + ": inst_type[" + (id - 1)
                            + "] is not an integer: " + t);
                }
                types[i] = (int) t;
            }
            return new int[][] {inst, types};
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(path.toString())) {
                throw e;
            }
            throw new IOException(path + ": not a readable MATLAB v5 file (" + e.getMessage()
                    + ")", e);
        } catch (RuntimeException e) {
            throw new IOException(path + ": not a readable MATLAB v5 file (" + e.getMessage()
                    + ")", e);
        }
    }

    private static int[] matrix2d(Path path, String key, Matrix a, int h, int w, int min,
            int max) throws IOException {
        if (a.getNumDimensions() != 2) {
            throw new IOException(path + ": " + key + " must be 2-D, found "
                    + a.getNumDimensions() + " dimensions");
        }
        checkSize(path, key, a.getNumRows(), a.getNumCols(), h, w);
        int[] out = new int[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = a.getDouble(y, x);
                if (v != Math.rint(v) || v < min || v > max) {
                    throw new IOException(path + ": " + key + " must hold non-negative integer"
                            + " ids, found " + v + " at (x " + x + ", y " + y + ")");
                }
                out[y * w + x] = (int) v;
            }
        }
        return out;
    }

    /** The stems of the images, in id order (for listing). */
    public List<String> ids() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            out.add(id(i));
        }
        return out;
    }
}
