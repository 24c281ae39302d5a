package dev.freqmed.infer;

import ai.djl.Device;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.metric.BinarySegmentationMetrics;
import dev.freqmed.metric.MetricResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores a trained binary segmentation model on a held-out split, as the demo reports it: every
 * image is predicted whole at its original size, the probability thresholded at 0.5, and the
 * masks compared with {@link BinarySegmentationMetrics} (the {@code binary} family's native
 * protocol: all pixels of all images pooled, per-image Dice/IoU averaged; a truth pixel is
 * foreground when its mask value is above one half, masks stored 0/1 being read as 0/1 by the
 * reader). Writes {@code predictions/ID.png} (0/255 masks, what {@code evaluate --task binary}
 * reads) and {@code overlays/ID.png} (prediction red, truth green) under the output folder.
 */
public final class HeldOutEvaluation {

    private HeldOutEvaluation() {
    }

    /**
     * What the evaluation produced.
     *
     * @param metrics the binary metrics over the split
     * @param ids     the sample ids, in the order of the per-image values
     * @param seconds wall time of prediction and scoring
     */
    public record Result(MetricResult metrics, List<String> ids, double seconds) {

        /** Copies the ids. */
        public Result {
            ids = List.copyOf(ids);
        }

        /** Number of images scored. */
        public int images() {
            return ids.size();
        }
    }

    /**
     * Predicts and scores every sample of {@code test}.
     *
     * @param test     samples holding {@code image} (3, H, W) in 0..255 and {@code mask}
     *                 (1, H, W) in [0, 1]
     * @param modelDir a checkpoint folder (or a run folder holding {@code model/})
     * @param device   where to predict
     * @param out      folder receiving {@code predictions/} and {@code overlays/}
     * @throws IOException           naming the file that could not be read or written
     * @throws IllegalStateException when the thread is interrupted between images
     */
    public static Result run(SampleSource test, Path modelDir, Device device, Path out)
            throws IOException {
        long t0 = System.nanoTime();
        BinarySegmentationMetrics metrics = new BinarySegmentationMetrics();
        Path predDir = out.resolve("predictions");
        Path overlayDir = out.resolve("overlays");
        Files.createDirectories(predDir);
        Files.createDirectories(overlayDir);
        List<String> ids = new ArrayList<>();
        try (LoadedModel model = LoadedModel.load(modelDir, device, null)) {
            Predictor predictor = new Predictor(model, 0, 0);
            for (int i = 0; i < test.size(); i++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new IllegalStateException("evaluation interrupted before image "
                            + test.id(i));
                }
                Sample s = test.get(i);
                FloatImage img = s.get(Sample.IMAGE);
                FloatImage prob = predictor.predict(img);
                int n = prob.data().length;
                int[] pred = new int[n];
                float[] predF = new float[n];
                int[] truth = new int[n];
                for (int k = 0; k < n; k++) {
                    pred[k] = prob.data()[k] > 0.5f ? 255 : 0;
                    predF[k] = pred[k] / 255f;
                    truth[k] = Math.round(s.get(Sample.MASK).data()[k] * 255f);
                }
                metrics.updateScaled(pred, 255, truth, 255);
                ImageIo.writeGray8(predDir.resolve(s.id() + ".png"),
                        new GrayImage(img.width(), img.height(), 8, pred));
                ImageIo.writePng(overlayDir.resolve(s.id() + ".png"), Overlays.draw(img,
                        new FloatImage(1, img.height(), img.width(), predF), s.get(Sample.MASK)));
                ids.add(s.id());
            }
        }
        return new Result(metrics.result(), ids, (System.nanoTime() - t0) / 1e9);
    }
}
