package dev.freqmed.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.freqmed.data.SampleSource;
import dev.freqmed.data.Sample;
import dev.freqmed.data.transform.Normalization;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared binary task adapter: reading, preparing and validating masks. */
class BinarySegmentationTaskTest {

    /** A task whose "network output" is the probability itself. */
    private static final class Identity extends BinarySegmentationTask {
        Identity(int side) {
            super(side, side, Normalization.MINMAX_255);
        }

        @Override
        protected NDArray probability(NDList outputs) {
            return outputs.head();
        }

        @Override
        public NDArray loss(NDList outputs, NDList labels) {
            return outputs.head().sub(labels.head()).square().mean();
        }

        @Override
        public int stride() {
            return 1;
        }
    }

    private static Map<String, Double> validateAgainstItself(Path root, int side)
            throws Exception {
        BinarySegmentationTask task = new Identity(side);
        SampleSource data = task.openData(root, "all");
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            batch.add(task.prepare(data.get(i), null, new Random(0)));
        }
        TaskAdapter.Validation v = task.newValidation();
        try (NDManager m = NDManager.newBaseManager()) {
            NDList labels = task.labels(m, batch);
            v.update(new NDList(labels.head()), labels);
        }
        return v.result();
    }

    @Test
    void zeroOneMasksCountNonZeroAsForeground(@TempDir Path root) throws Exception {
        int w = 16;
        int h = 16;
        int[] mask01 = new int[w * h];
        int[] mask255 = new int[w * h];
        for (int y = 4; y < 12; y++) {
            for (int x = 3; x < 10; x++) {
                mask01[y * w + x] = 1;
                mask255[y * w + x] = 255;
            }
        }
        for (String set : List.of("a", "b")) {
            Files.createDirectories(root.resolve(set).resolve("images"));
            Files.createDirectories(root.resolve(set).resolve("masks"));
            ImageIo.writeRgb(root.resolve(set).resolve("images/x.png"),
                    new RgbImage(w, h, new byte[w * h * 3]));
        }
        ImageIo.writeGray8(root.resolve("a/masks/x.png"), new GrayImage(w, h, 8, mask01));
        ImageIo.writeGray8(root.resolve("b/masks/x.png"), new GrayImage(w, h, 8, mask255));
        Map<String, Double> zeroOne = validateAgainstItself(root.resolve("a"), 8);
        Map<String, Double> zero255 = validateAgainstItself(root.resolve("b"), 8);
        assertEquals(1.0, zeroOne.get("dice"), 0.0);
        assertEquals(1.0, zeroOne.get("pooled_dice"), 0.0);
        assertEquals(zero255, zeroOne);
    }
}
