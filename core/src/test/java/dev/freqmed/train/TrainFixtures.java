package dev.freqmed.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds small real data sets (copied from the bundled PH2 sample) and tiny configs for training tests. */
final class TrainFixtures {

    static final Path PH2 = Path.of("..", "testdata", "ph2");

    private TrainFixtures() {
    }

    /** Copies {@code train} + {@code val} PH2 cases into {@code dir} with a split.csv. */
    static Path ph2Subset(Path dir, int train, int val) throws IOException {
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("masks"));
        List<String> lines = Files.readAllLines(PH2.resolve("split.csv"));
        StringBuilder split = new StringBuilder("id,split\n");
        int t = 0;
        int v = 0;
        for (String line : lines.subList(1, lines.size())) {
            String id = line.split(",")[0];
            String s;
            if (t < train) {
                s = "train";
                t++;
            } else if (v < val) {
                s = "val";
                v++;
            } else {
                break;
            }
            Files.copy(PH2.resolve("images/" + id + ".jpg"), dir.resolve("images/" + id + ".jpg"));
            Files.copy(PH2.resolve("masks/" + id + ".png"), dir.resolve("masks/" + id + ".png"));
            split.append(id).append(',').append(s).append('\n');
        }
        Files.writeString(dir.resolve("split.csv"), split.toString());
        return dir;
    }

    /** Writes a tiny FRCU-Net config training on {@code data} into {@code out}. */
    static Path tinyConfig(Path file, Path data, Path out, int epochs, String extraTrain) throws IOException {
        String yaml = "model:\n  arch: frcunet\n  preset: tiny\n  inputSize: 32\n  bnMomentum: 0.9\n"
                + "data:\n  root: " + data.toAbsolutePath() + "\n  augmentation: standard\n  workers: 2\n"
                + "train:\n  epochs: " + epochs + "\n  batchSize: 4\n  learningRate: 3.0e-3\n  seed: 7\n"
                + extraTrain
                + "output: " + out.toAbsolutePath() + "\n";
        Files.writeString(file, yaml);
        return file;
    }
}
