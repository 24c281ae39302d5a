package dev.freqmed.data;

import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads binary segmentation data sets laid out as an image folder and a mask folder with matching
 * file stems: {@code images/} + {@code masks/} (ISIC, PH2, Kvasir), {@code im/} + {@code gt/}
 * (DIS5K) or {@code Imgs/} + {@code GT/}. A mask may carry a suffix such as
 * {@code _segmentation}, {@code _mask}, {@code _lesion} or {@code _gt}.
 *
 * <p>Splits: either {@code split.csv} at the root ({@code id,split} rows) or sub-folders
 * {@code train/ val/ test/} each holding the two folders. Samples hold {@code image} (3, H, W) in
 * 0..255 and {@code mask} (1, H, W) in [0, 1]: the sample value / 255 (/ 65535 for 16-bit masks),
 * except that a mask holding only the values 0 and 1 is a label mask whose 1 is foreground (read
 * as 1.0, not 1/255, so that 0/1 masks train and validate like 0/255 masks).
 */
public final class BinaryFolderReader implements SampleSource {

    /** Recognised (image folder, mask folder) name pairs, in order of preference. */
    static final List<String[]> LAYOUTS = List.of(
            new String[] {"images", "masks"},
            new String[] {"im", "gt"},
            new String[] {"Imgs", "GT"},
            new String[] {"image", "mask"});

    private static final List<String> MASK_SUFFIXES = List.of("", "_segmentation", "_mask", "_lesion", "_gt", "_Segmentation");

    private final Path root;
    private final String split;
    private final List<String> ids;
    private final List<Path> images;
    private final List<Path> masks;

    private BinaryFolderReader(Path root, String split, List<String> ids, List<Path> images, List<Path> masks) {
        this.root = root;
        this.split = split;
        this.ids = ids;
        this.images = images;
        this.masks = masks;
    }

    /**
     * Opens one split of a data set.
     *
     * @param root  the data-set folder
     * @param split {@code train}, {@code val}, {@code test}, or {@code all} for every pair
     * @throws IOException naming the folder or file when the layout is not recognised, a file has
     *                     no partner, a split.csv row names a missing case, or the split is empty
     */
    public static BinaryFolderReader open(Path root, String split) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "data folder does not exist");
        }
        Path base = root;
        Path splitDir = root.resolve(split);
        boolean splitFolders = !"all".equals(split) && Files.isDirectory(splitDir) && findLayout(splitDir) != null;
        if (splitFolders) {
            base = splitDir;
        }
        String[] layout = findLayout(base);
        if (layout == null) {
            throw new IOException(base + ": no image/mask folders found (expected images/ + masks/, im/ + gt/ or Imgs/ + GT/"
                    + ("all".equals(split) ? "" : ", or a " + split + "/ folder holding them") + ")");
        }
        Map<String, Path> imageByStem = listImages(base.resolve(layout[0]));
        Map<String, Path> maskByStem = new TreeMap<>();
        for (Map.Entry<String, Path> e : listImages(base.resolve(layout[1])).entrySet()) {
            maskByStem.put(e.getKey(), e.getValue());
        }
        // Pair masks with images (masks may carry a suffix).
        Map<String, Path> pairedMask = new TreeMap<>();
        List<String> unpairedMasks = new ArrayList<>(maskByStem.keySet());
        for (String stem : imageByStem.keySet()) {
            for (String suffix : MASK_SUFFIXES) {
                Path m = maskByStem.get(stem + suffix);
                if (m != null) {
                    pairedMask.put(stem, m);
                    unpairedMasks.remove(stem + suffix);
                    break;
                }
            }
        }
        for (String stem : imageByStem.keySet()) {
            if (!pairedMask.containsKey(stem)) {
                throw new IOException(imageByStem.get(stem) + ": image has no matching mask in "
                        + base.resolve(layout[1]));
            }
        }
        if (!unpairedMasks.isEmpty()) {
            throw new IOException(maskByStem.get(unpairedMasks.get(0)) + ": mask has no matching image in "
                    + base.resolve(layout[0]));
        }
        List<String> selected = new ArrayList<>(imageByStem.keySet());
        Path splitCsv = root.resolve("split.csv");
        if (!splitFolders && !"all".equals(split)) {
            if (!Files.exists(splitCsv)) {
                throw new IOException(root + ": no split.csv and no " + split + "/ folder; cannot select split '" + split + "'");
            }
            selected = readSplit(splitCsv, split, imageByStem);
        }
        if (selected.isEmpty()) {
            throw new IOException(root + ": split '" + split + "' is empty");
        }
        List<Path> imgs = new ArrayList<>();
        List<Path> msks = new ArrayList<>();
        for (String id : selected) {
            imgs.add(imageByStem.get(id));
            msks.add(pairedMask.get(id));
        }
        return new BinaryFolderReader(root, split, List.copyOf(selected), imgs, msks);
    }

    /** Whether {@code dir} holds one of the recognised image/mask folder pairs (directly or in split folders). */
    public static boolean looksLikeDataset(Path dir) {
        if (findLayout(dir) != null) {
            return true;
        }
        return Files.isDirectory(dir.resolve("train")) && findLayout(dir.resolve("train")) != null;
    }

    private static String[] findLayout(Path dir) {
        for (String[] l : LAYOUTS) {
            if (Files.isDirectory(dir.resolve(l[0])) && Files.isDirectory(dir.resolve(l[1]))) {
                return l;
            }
        }
        return null;
    }

    private static Map<String, Path> listImages(Path dir) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                if (Files.isRegularFile(p) && ImageIo.isImage(p) && !p.getFileName().toString().startsWith(".")) {
                    Path prev = out.put(ImageIo.stem(p), p);
                    if (prev != null) {
                        throw new IOException(p + ": two files share the stem '" + ImageIo.stem(p) + "' (also " + prev + ")");
                    }
                }
            }
        }
        return out;
    }

    private static List<String> readSplit(Path csv, String split, Map<String, Path> images) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            String t = line.trim();
            if (t.isEmpty() || (lineNo == 1 && t.toLowerCase(Locale.ROOT).startsWith("id,"))) {
                continue;
            }
            String[] parts = t.split(",");
            if (parts.length < 2) {
                throw new IOException(csv + ":" + lineNo + ": expected 'id,split', found '" + t + "'");
            }
            String id = parts[0].trim();
            if (parts[1].trim().equals(split)) {
                if (!images.containsKey(id)) {
                    throw new IOException(csv + ":" + lineNo + ": case '" + id + "' has no image");
                }
                out.add(id);
            }
        }
        return out;
    }

    /** The data-set root. */
    public Path root() {
        return root;
    }

    /** The split this source reads. */
    public String split() {
        return split;
    }

    @Override
    public int size() {
        return ids.size();
    }

    @Override
    public String id(int index) {
        return ids.get(index);
    }

    /** The image file of sample {@code index}. */
    public Path imagePath(int index) {
        return images.get(index);
    }

    /** The mask file of sample {@code index}. */
    public Path maskPath(int index) {
        return masks.get(index);
    }

    @Override
    public Sample get(int index) throws IOException {
        Path ip = images.get(index);
        Path mp = masks.get(index);
        FloatImage image = readImage(ip);
        GrayImage mask = ImageIo.readGray(mp);
        if (mask.width() != image.width() || mask.height() != image.height()) {
            throw new IOException(mp + ": mask is " + mask.width() + "x" + mask.height() + " but its image " + ip
                    + " is " + image.width() + "x" + image.height());
        }
        float scale = isLabelMask(mask) ? 1f : mask.bitDepth() == 16 ? 1f / 65535f : 1f / 255f;
        float[] m = new float[mask.data().length];
        for (int i = 0; i < m.length; i++) {
            m[i] = mask.data()[i] * scale;
        }
        Map<String, FloatImage> arrays = new LinkedHashMap<>();
        arrays.put(Sample.IMAGE, image);
        arrays.put(Sample.MASK, new FloatImage(1, mask.height(), mask.width(), m));
        return new Sample(ids.get(index), arrays);
    }

    /** Whether a mask holds only the values 0 and 1 (foreground stored as 1, not 255). */
    static boolean isLabelMask(GrayImage mask) {
        for (int v : mask.data()) {
            if (v > 1) {
                return false;
            }
        }
        return true;
    }

    /** Reads an image file as (3, H, W) floats in 0..255. */
    public static FloatImage readImage(Path path) throws IOException {
        return FloatImage.fromRgb(ImageIo.readRgb(path));
    }

    /** All ids of this split, in order. */
    public List<String> ids() {
        return Collections.unmodifiableList(ids);
    }

    /** Reads every sample; convenience for small sets. */
    public List<Sample> readAll() {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            try {
                out.add(get(i));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }
}
