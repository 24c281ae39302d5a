package dev.freqmed.metric;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The two feature sets of an FID/KID request and what made them. Predictions and ground truth
 * are folders of images (with {@code --inception FILE} or {@code --features MODEL_DIR}), or
 * folders of feature CSVs (one row per sample); the ground truth may also be a statistics file
 * of {@link FeatureStats}, and with {@code --save-stats FILE} the ground truth's features are
 * saved for reuse.
 *
 * <p>Image folders are read recursively (clean-fid's extensions: jpg, jpeg, png, ppm, bmp, tif,
 * tiff; FreqMed reads all but ppm), in path order; order does not change FID or KID except through
 * KID's seeded subsets.
 */
final class GenerativeInputs {

    /** Image extensions read from folders. */
    static final Set<String> IMAGES = Set.of("png", "jpg", "jpeg", "bmp", "tif", "tiff");

    /** Predicted and reference features, and the extractor's name. */
    record Features(FeatureMatrix predictions, FeatureMatrix truth, String extractor) {
    }

    private GenerativeInputs() {
    }

    static Features read(EvaluationRequest r) throws IOException {
        Path statsOut = r.saveStats();
        if (r.inception() == null && r.features() == null) {
            FeatureMatrix pred = csvOrRefuse(r.predictions());
            Features f;
            if (Files.isRegularFile(r.truth())) {
                FeatureStats.Saved s = FeatureStats.read(r.truth());
                if (!s.extractor().equals("feature CSVs")) {
                    throw new IOException(r.truth() + ": statistics of '" + s.extractor()
                            + "' cannot be compared with feature CSVs");
                }
                f = new Features(pred, s.features(), s.extractor());
            } else {
                f = new Features(pred, csvOrRefuse(r.truth()), "feature CSVs");
            }
            return checked(r, f, statsOut);
        }
        try (ImageFeatureExtractor x = r.inception() != null
                ? InceptionFeatures.open(r.inception()) : ModelFeatures.open(r.features())) {
            FeatureMatrix truth;
            if (Files.isRegularFile(r.truth())) {
                FeatureStats.Saved s = FeatureStats.read(r.truth());
                if (!s.extractor().equals(x.name())) {
                    throw new IOException(r.truth() + ": statistics of '" + s.extractor()
                            + "', but the features now come from '" + x.name() + "'");
                }
                truth = s.features();
            } else {
                truth = x.extract(nonEmpty(r.truth()), r.progress());
            }
            FeatureMatrix pred = x.extract(nonEmpty(r.predictions()), r.progress());
            return checked(r, new Features(pred, truth, x.name()), statsOut);
        }
    }

    private static Features checked(EvaluationRequest r, Features f, Path statsOut)
            throws IOException {
        if (f.predictions().cols() != f.truth().cols()) {
            throw new IOException(r.predictions() + " vs " + r.truth()
                    + ": feature dimensions differ (" + f.predictions().cols() + " vs "
                    + f.truth().cols() + ")");
        }
        if (statsOut != null) {
            FeatureStats.write(statsOut, f.truth(), f.extractor());
        }
        return f;
    }

    /** Feature CSVs, or a message saying how to score a folder of images. */
    private static FeatureMatrix csvOrRefuse(Path dir) throws IOException {
        if (Files.isDirectory(dir) && !hasCsv(dir) && !images(dir).isEmpty()) {
            throw new IOException(dir + ": a folder of images; give --inception FILE"
                    + " (Inception-V3 weights) or --features MODEL_DIR (a FreqMed checkpoint) to"
                    + " extract features");
        }
        return FeatureFolders.read(dir);
    }

    private static boolean hasCsv(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().toLowerCase(Locale.ROOT)
                    .endsWith(".csv"));
        }
    }

    private static List<Path> nonEmpty(Path dir) throws IOException {
        List<Path> l = images(dir);
        if (l.isEmpty()) {
            throw new IOException(dir + ": no images found (expected extensions "
                    + new java.util.TreeSet<>(IMAGES) + ", searched recursively)");
        }
        return l;
    }

    /**
     * The images under {@code dir}, recursively, in path order.
     *
     * @throws IOException when the folder does not exist; an empty result is returned as such
     *     by this method and refused by {@link #read}
     */
    static List<Path> images(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null,
                    "folder does not exist");
        }
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> out = s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> IMAGES.contains(EvaluationInputs.extension(p)))
                    .sorted().toList();
            return out;
        }
    }
}
