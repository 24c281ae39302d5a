package dev.freqmed.metric;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads a folder of feature CSVs (one row per sample) into one matrix, files in name order. */
final class FeatureFolders {

    private FeatureFolders() {
    }

    /**
     * The rows of every {@code .csv} file of {@code dir}, concatenated.
     *
     * @throws IOException naming the file for an empty folder, an unreadable CSV or a file whose
     *                     feature count differs from the first file's
     */
    static FeatureMatrix read(Path dir) throws IOException {
        List<Path> files = EvaluationInputs.list(dir, Set.of("csv"), "feature CSV");
        List<FeatureMatrix> parts = new ArrayList<>();
        int rows = 0;
        for (Path f : files) {
            FeatureMatrix m = FeatureMatrix.readCsv(f);
            if (!parts.isEmpty() && m.cols() != parts.get(0).cols()) {
                throw new IOException(f + ": " + m.cols() + " features per row, but "
                        + files.get(0).getFileName() + " has " + parts.get(0).cols());
            }
            parts.add(m);
            rows += m.rows();
        }
        int cols = parts.get(0).cols();
        double[] data = new double[rows * cols];
        int at = 0;
        for (FeatureMatrix m : parts) {
            System.arraycopy(m.data(), 0, data, at, m.data().length);
            at += m.data().length;
        }
        return new FeatureMatrix(rows, cols, data);
    }

    /**
     * Both folders' features, checked to have the same dimension.
     *
     * @return {predictions, reference}
     */
    static FeatureMatrix[] readPair(EvaluationRequest request) throws IOException {
        FeatureMatrix f1 = read(request.predictions());
        FeatureMatrix f2 = read(request.truth());
        if (f1.cols() != f2.cols()) {
            throw new IOException(request.predictions() + " vs " + request.truth()
                    + ": feature dimensions differ (" + f1.cols() + " vs " + f2.cols() + ")");
        }
        return new FeatureMatrix[] {f1, f2};
    }
}
