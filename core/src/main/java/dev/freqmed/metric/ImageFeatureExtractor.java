package dev.freqmed.metric;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Turns images into feature vectors for FID and KID: clean-fid's Inception-V3 procedure
 * ({@link InceptionFeatures}) or a FreqMed checkpoint as an offline stand-in
 * ({@link ModelFeatures}). Features of different extractors are not comparable, so each names
 * itself and the name goes into every report and statistics file.
 */
public interface ImageFeatureExtractor extends AutoCloseable {

    /** What extracted the features (weights file or checkpoint, procedure). */
    String name();

    /**
     * One row of features per image, in the order given.
     *
     * @param images   image files (PNG, JPEG, BMP, TIFF)
     * @param progress called with (done, total) after each image
     * @throws IOException naming an unreadable image
     */
    FeatureMatrix extract(List<Path> images, BiConsumer<Integer, Integer> progress)
            throws IOException;

    /** Releases the engine memory. */
    @Override
    void close();
}
