package dev.freqmed.data;

import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Two folders of unpaired tiles for image-to-image translation: {@code domain_a/} and
 * {@code domain_b/} under the data root, or under {@code ROOT/SPLIT/} when that folder exists.
 * Without split folders, the files of each domain (sorted by name) are split deterministically:
 * every tenth file (indices 9, 19, ...) is validation ({@code val}, {@code test}), the others are
 * training. A sample is the domain-A tile ({@link Sample#IMAGE}) with a domain-B tile
 * ({@link #IMAGE_B}); the dataset's length is the number of domain-A tiles.
 *
 * <p>DEVIATION: the reference draws the domain-B partner at random with replacement on every
 * access; here sample {@code i} always pairs with domain-B tile {@code (31·i + 7) mod |B|}, so that a
 * sample is a pure function of its index (resumable training reads the same data); the shuffled
 * order of domain A still changes the pairs' order every epoch.
 */
public final class UnpairedFolderReader implements SampleSource {

    /** Key of the domain-B tile in a sample. */
    public static final String IMAGE_B = "image_b";

    private final List<Path> a;
    private final List<Path> b;

    private UnpairedFolderReader(List<Path> a, List<Path> b) {
        this.a = a;
        this.b = b;
    }

    /**
     * Opens one split.
     *
     * @param root  the data root
     * @param split {@code train}, {@code val} or {@code test}
     * @return the source
     * @throws IOException naming the folder when a domain folder is missing or the split is empty
     */
    public static UnpairedFolderReader open(Path root, String split) throws IOException {
        Path base = Files.isDirectory(root.resolve(split).resolve("domain_a"))
                ? root.resolve(split) : root;
        boolean splitFolders = base != root;
        List<Path> a = list(base.resolve("domain_a"));
        List<Path> b = list(base.resolve("domain_b"));
        if (!splitFolders) {
            boolean train = "train".equals(split);
            a = pick(a, train);
            b = pick(b, train);
        }
        if (a.isEmpty() || b.isEmpty()) {
            throw new IOException(base + ": split '" + split + "' has " + a.size() + " domain_a and "
                    + b.size() + " domain_b images; both must be non-empty");
        }
        return new UnpairedFolderReader(a, b);
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": missing; unpaired translation data needs domain_a/ and"
                    + " domain_b/ folders of images");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(ImageIo::isImage).sorted().toList();
        }
    }

    private static List<Path> pick(List<Path> all, boolean train) {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if ((i % 10 == 9) != train) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    @Override
    public int size() {
        return a.size();
    }

    @Override
    public Sample get(int index) throws IOException {
        Path pb = b.get(Math.floorMod(31L * index + 7, b.size()));
        return new Sample(id(index), java.util.Map.of(
                Sample.IMAGE, BinaryFolderReader.readImage(a.get(index)),
                IMAGE_B, BinaryFolderReader.readImage(pb)));
    }

    @Override
    public String id(int index) {
        return ImageIo.stem(a.get(index));
    }
}
