package dev.freqmed.metric;

import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.format.Mat5File;
import us.hebi.matlab.mat.types.Matrix;

/**
 * Reading evaluation inputs: pairing prediction and ground-truth files by stem, and reading
 * instance maps from 16-bit PNG/TIFF, MATLAB v5 {@code .mat} ({@code inst_map}) or numpy
 * {@code .npy} files. Every failure is an {@link IOException} naming the file and the problem.
 */
public final class EvaluationInputs {

    /** Image files accepted as masks and maps. */
    public static final Set<String> IMAGE_EXTENSIONS = ImageIo.EXTENSIONS;
    /** Files accepted as instance maps. */
    public static final Set<String> INSTANCE_EXTENSIONS = Set.of("png", "tif", "tiff", "mat",
            "npy");

    private EvaluationInputs() {
    }

    /**
     * A prediction file and its ground truth.
     *
     * @param name  the shared stem
     * @param pred  prediction file
     * @param truth ground-truth file
     */
    public record FilePair(String name, Path pred, Path truth) {
    }

    /** The stem of a file name: without its extension ({@code .nii.gz} counts as one). */
    public static String stem(Path path) {
        String n = path.getFileName().toString();
        String lower = n.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".nii.gz")) {
            return n.substring(0, n.length() - 7);
        }
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** The extension, lower case ({@code nii.gz} for compressed NIfTI). */
    public static String extension(Path path) {
        String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".nii.gz")) {
            return "nii.gz";
        }
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(dot + 1) : "";
    }

    /**
     * The files of a folder with one of the extensions, sorted by name.
     *
     * @throws IOException if the folder is missing or holds no such file
     */
    public static List<Path> list(Path dir, Set<String> extensions,
            String what) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "folder does not exist");
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> extensions.contains(extension(p)))
                    .sorted()
                    .forEach(out::add);
        }
        if (out.isEmpty()) {
            throw new IOException(dir + ": no " + what + " files found (expected extensions "
                    + new TreeSet<>(extensions) + ")");
        }
        return out;
    }

    /**
     * Pairs the files of two folders by stem (extensions may differ), sorted by stem.
     *
     * @throws IOException for an empty folder, two files with the same stem in one folder, or any
     *                     file without a partner (the message lists them)
     */
    public static List<FilePair> pair(Path predDir, Path truthDir, Set<String> extensions,
                                      String what) throws IOException {
        Map<String, Path> pred = byStem(list(predDir, extensions, what));
        Map<String, Path> truth = byStem(list(truthDir, extensions, what));
        List<String> missingTruth = new ArrayList<>();
        List<String> missingPred = new ArrayList<>();
        for (Map.Entry<String, Path> e : pred.entrySet()) {
            if (!truth.containsKey(e.getKey())) {
                missingTruth.add(e.getValue().getFileName().toString());
            }
        }
        for (Map.Entry<String, Path> e : truth.entrySet()) {
            if (!pred.containsKey(e.getKey())) {
                missingPred.add(e.getValue().getFileName().toString());
            }
        }
        if (!missingTruth.isEmpty()) {
            throw new IOException(predDir + ": " + missingTruth.size()
                    + " prediction file(s) without ground truth in " + truthDir + ": "
                    + abbreviate(missingTruth));
        }
        if (!missingPred.isEmpty()) {
            throw new IOException(truthDir + ": " + missingPred.size()
                    + " ground-truth file(s) without prediction in " + predDir + ": "
                    + abbreviate(missingPred));
        }
        List<FilePair> out = new ArrayList<>();
        for (Map.Entry<String, Path> e : pred.entrySet()) {
            out.add(new FilePair(e.getKey(), e.getValue(), truth.get(e.getKey())));
        }
        return out;
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + ", ...";
    }

    private static Map<String, Path> byStem(List<Path> files) throws IOException {
        Map<String, Path> m = new TreeMap<>();
        for (Path p : files) {
            Path old = m.put(stem(p), p);
            if (old != null) {
                throw new IOException(p + ": another file has the same name stem: "
                        + old.getFileName());
            }
        }
        return m;
    }

    /**
     * Reads a single-channel image keeping its sample values, as {@link ImageIo#readGray}, but
     * decodes 8- and 16-bit grey PNG, TIFF and BMP files (lossless, so the samples are the same)
     * with OpenCV, which is several times faster; JPEG and any other layout (palette, colour,
     * alpha) are read by {@link ImageIo#readGray}.
     *
     * @throws IOException naming the file when it cannot be read or is not grey
     */
    public static GrayImage readGray(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "image file does not exist");
        }
        String ext = extension(path);
        if (!ext.equals("png") && !ext.equals("tif") && !ext.equals("tiff") && !ext.equals("bmp")) {
            return ImageIo.readGray(path);
        }
        OpenCvLoader.load();
        byte[] encoded = Files.readAllBytes(path);
        MatOfByte buf = new MatOfByte(encoded);
        Mat m = Imgcodecs.imdecode(buf, Imgcodecs.IMREAD_UNCHANGED);
        Mat wide = new Mat();
        try {
            if (m.empty() || m.channels() != 1
                    || (m.depth() != CvType.CV_8U && m.depth() != CvType.CV_16U)) {
                return ImageIo.readGray(path);
            }
            int w = m.cols();
            int h = m.rows();
            int bits = m.depth() == CvType.CV_8U ? 8 : 16;
            // Unsigned 8/16-bit samples widen exactly to 32-bit ints; converting natively avoids
            // a Java copy of the samples.
            m.convertTo(wide, CvType.CV_32S);
            int[] data = new int[w * h];
            wide.get(0, 0, data);
            return new GrayImage(w, h, bits, data);
        } finally {
            m.release();
            wide.release();
            buf.release();
        }
    }

    /**
     * Reads a binary mask and checks that it is one: only 0 and one other value (1, or the
     * maximum of the bit depth) may occur.
     *
     * @throws IOException naming the file when it holds other values
     */
    public static GrayImage readBinaryMask(Path path) throws IOException {
        GrayImage g = readGray(path);
        int max = (1 << g.bitDepth()) - 1;
        for (int v : g.data()) {
            if (v != 0 && v != max && v != 1) {
                throw new IOException(path + ": expected a binary mask (values 0 and " + max
                        + " or 0 and 1), found the value " + v);
            }
        }
        return g;
    }

    /**
     * Reads an instance map: a grey PNG/TIFF (ids are the samples), a MATLAB v5 {@code .mat}
     * holding {@code inst_map}, or a 2-D integer {@code .npy}.
     *
     * @throws IOException naming the file for unreadable files, a missing {@code inst_map}, a
     *                     non-2-D or non-integer array, negative ids or ids above 65535 (16 bits)
     */
    public static InstanceMap readInstanceMap(Path path) throws IOException {
        String ext = extension(path);
        InstanceMap m = switch (ext) {
            case "mat" -> readMat(path);
            case "npy" -> readNpy(path);
            default -> {
                GrayImage g = readGray(path);
                yield new InstanceMap(g.width(), g.height(), g.data());
            }
        };
        for (int v : m.ids()) {
            if (v < 0 || v > 65535) {
                throw new IOException(path + ": instance ids must be 0..65535 (16 bits), found "
                        + v);
            }
        }
        return m;
    }

    private static InstanceMap readMat(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "file does not exist");
        }
        try (Mat5File f = Mat5.readFromFile(path.toFile())) {
            Matrix a;
            try {
                a = f.getMatrix("inst_map");
            } catch (RuntimeException e) {
                throw new IOException(path + ": no numeric array 'inst_map' in the .mat file", e);
            }
            if (a.getNumDimensions() != 2) {
                throw new IOException(path + ": inst_map must be 2-D, found "
                        + a.getNumDimensions() + " dimensions");
            }
            int h = a.getNumRows();
            int w = a.getNumCols();
            int[] ids = new int[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = a.getDouble(y, x);
                    if (v != Math.rint(v) || v < 0 || v > 65535) {
                        throw new IOException(path
                                + ": inst_map ids must be integers 0..65535 (16 bits), found " + v);
                    }
                    ids[y * w + x] = (int) v;
                }
            }
            return new InstanceMap(w, h, ids);
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

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** Reads a 2-D integer (or boolean) numpy array as an instance map. */
    static InstanceMap readNpy(Path path) throws IOException {
        byte[] all = Files.readAllBytes(path);
        if (all.length < 10 || (all[0] & 0xff) != 0x93 || all[1] != 'N' || all[2] != 'U') {
            throw new IOException(path + ": not a numpy .npy file (bad magic)");
        }
        int major = all[6];
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = major == 1 ? bb.getShort(8) & 0xffff : bb.getInt(8);
        int start = major == 1 ? 10 : 12;
        if (start + headerLen > all.length) {
            throw new IOException(path + ": truncated .npy header");
        }
        String header = new String(all, start, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IOException(path + ": unreadable .npy header '" + header.trim() + "'");
        }
        String[] dims = s.group(1).split(",");
        List<Integer> shape = new ArrayList<>();
        for (String x : dims) {
            if (!x.isBlank()) {
                shape.add(Integer.parseInt(x.trim()));
            }
        }
        if (shape.size() != 2) {
            throw new IOException(path + ": expected a 2-D array, found shape " + shape);
        }
        char kind = d.group(2).charAt(0);
        int size = Integer.parseInt(d.group(3));
        if ("iub".indexOf(kind) < 0) {
            throw new IOException(path + ": expected an integer array, found dtype '"
                    + d.group(1) + kind + size + "'");
        }
        ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        int h = shape.get(0);
        int w = shape.get(1);
        long n = (long) h * w;
        int data = start + headerLen;
        if (data + n * size > all.length) {
            throw new IOException(path + ": truncated .npy data (expected " + n * size + " bytes)");
        }
        ByteBuffer v = ByteBuffer.wrap(all, data, (int) (n * size)).slice().order(order);
        boolean fortran = f.group(1).equals("True");
        int[] ids = new int[(int) n];
        for (int i = 0; i < n; i++) {
            long x = switch (size) {
                case 1 -> kind == 'i' ? v.get(i) : v.get(i) & 0xff;
                case 2 -> kind == 'i' ? v.getShort(2 * i) : v.getShort(2 * i) & 0xffff;
                case 4 -> kind == 'i' ? v.getInt(4 * i) : v.getInt(4 * i) & 0xffffffffL;
                case 8 -> v.getLong(8 * i);
                default -> throw new IOException(path + ": unsupported integer size " + size);
            };
            if (x < 0 || x > 65535) {
                throw new IOException(path + ": instance ids must be 0..65535 (16 bits), found "
                        + x);
            }
            int target = fortran ? (i % h) * w + (i / h) : i;
            ids[target] = (int) x;
        }
        return new InstanceMap(w, h, ids);
    }
}
