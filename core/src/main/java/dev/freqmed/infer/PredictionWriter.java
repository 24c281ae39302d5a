package dev.freqmed.infer;

import dev.freqmed.data.FloatImage;
import java.io.IOException;
import java.nio.file.Path;

/** Writes one prediction's files under an output folder (each file written whole, then renamed). */
public interface PredictionWriter {

    /**
     * Writes the files of one input.
     *
     * @param dir        the output folder
     * @param stem       the input's file name without extension
     * @param original   the input as read (C, H, W), 0..255
     * @param prediction the prediction
     * @throws IOException naming the file that could not be written
     */
    void write(Path dir, String stem, FloatImage original, Prediction prediction)
            throws IOException;

    /** The files written for {@code stem}, relative to the output folder (for resume checks). */
    java.util.List<String> files(String stem);
}
