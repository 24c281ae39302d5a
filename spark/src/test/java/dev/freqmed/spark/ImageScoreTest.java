package dev.freqmed.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.data.FloatImage;
import dev.freqmed.infer.InstanceWriter;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PredictionOutput;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.metric.InstanceMap;
import dev.freqmed.metric.InstanceSegmentationMetrics;
import dev.freqmed.metric.MetricResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch row's metrics for an instance prediction are the metric suite's, read from the written map. */
class ImageScoreTest {

    @TempDir
    Path dir;

    @Test
    void instancePredictionsAreScoredWithTheInstanceMetricsOfTheWrittenMap() throws IOException {
        int w = 40;
        int h = 30;
        float[] pred = new float[w * h];
        int[] truth = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // Two predicted squares; the truth has the first one shifted and a third object.
                pred[y * w + x] = x >= 4 && x < 12 && y >= 4 && y < 12 ? 1 : x >= 20 && x < 30 && y >= 10 && y < 20 ? 2 : 0;
                truth[y * w + x] = x >= 6 && x < 14 && y >= 4 && y < 12 ? 5 : x >= 20 && x < 30 && y >= 10 && y < 20 ? 9
                        : x >= 32 && y >= 22 ? 3 : 0;
            }
        }
        Prediction p = new Prediction(Map.of(PredictionOutput.INSTANCES, new FloatImage(1, h, w, pred)), Map.of());
        FloatImage original = FloatImage.zeros(3, h, w);
        Path out = dir.resolve("out");
        InstanceWriter writer = new InstanceWriter();
        writer.write(out, "tile", original, p);
        Path gt = dir.resolve("gt.png");
        ImageIo.writeGray16(gt, new GrayImage(w, h, 16, truth));

        ImagePredictor predictor = new ImagePredictor(BatchOptions.of("unused", out.toString()));
        Map<String, Double> m = predictor.score(p, writer.files("tile"), gt);

        int[] predIds = new int[w * h];
        for (int i = 0; i < predIds.length; i++) {
            predIds[i] = (int) pred[i];
        }
        MetricResult want = new InstanceSegmentationMetrics().compute(new InstanceMap(w, h, predIds),
                new InstanceMap(w, h, truth));
        assertEquals(InstanceSegmentationMetrics.MEAN_KEYS, java.util.List.copyOf(m.keySet()));
        for (String k : InstanceSegmentationMetrics.MEAN_KEYS) {
            assertEquals(want.get(k), m.get(k), 1e-12, k);
        }
        assertTrue(m.get("aji") > 0.3 && m.get("aji") < 1, "partly right: " + m);
        assertNotEquals(1.0, m.get("pq"));

        ImageIo.writeGray16(gt, new GrayImage(w + 1, h, 16, new int[(w + 1) * h]));
        IOException e = assertThrows(IOException.class, () -> predictor.score(p, writer.files("tile"), gt));
        assertTrue(e.getMessage().contains("41x30"), e.getMessage());
    }
}
