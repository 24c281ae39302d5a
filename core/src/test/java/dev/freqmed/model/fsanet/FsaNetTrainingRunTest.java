package dev.freqmed.model.fsanet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.backbone.ReferenceFixture;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.ModelCheckpoint;
import dev.freqmed.train.TrainConfig;
import dev.freqmed.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped configs parse, and the training loop runs FSANet's recipe end to end. */
class FsaNetTrainingRunTest {

    private static final Path CONFIGS = Path.of("..", "configs");

    @Test
    void shippedConfigsGiveTheReferenceRecipe() throws Exception {
        TrainConfig dis = TrainConfig.read(CONFIGS.resolve("fsanet-dis.yaml"));
        assertEquals("fsanet", dis.arch());
        assertEquals(FsaNetConfig.paper(), dis.model());
        TrainConfig.TrainSettings t = dis.train();
        assertEquals("adaxw", t.optimizer());
        assertEquals(2e-4, t.learningRate());
        assertEquals(1e-4, t.beta2());
        assertEquals(1e-12, t.epsilon());
        assertEquals(1e-4, t.weightDecay());
        assertEquals(0.5, t.gradientClamp());
        assertEquals("poly", t.schedule());
        assertEquals(8, t.batchSize());
        assertEquals(200, t.epochs());
        // Poly per epoch from epoch 1: the last epoch has lr 0.
        assertEquals(2e-4 * Math.pow(1 - 1 / 200.0, 0.9), t.polyLearningRate(1), 1e-15);
        assertEquals(0.0, t.polyLearningRate(200));
        TrainConfig cpu = TrainConfig.read(CONFIGS.resolve("fsanet-drive-cpu.yaml"));
        assertEquals(FsaNetConfig.cpu(), cpu.model());
        assertEquals(List.of(192, 256, 320), FsaNetConfig.cpu().trainingSides());
    }

    @Test
    @Tag("slow")
    void multiScaleAdaXwRunResumes(@TempDir Path tmp) throws Exception {
        resumeMatchesUninterrupted(tmp);
    }

    private static void resumeMatchesUninterrupted(Path tmp) throws Exception {
        Path data = ReferenceFixture.TESTDATA.resolve("drive").toAbsolutePath();
        Path out = tmp.resolve("run");
        TrainingRun.Result first = new TrainingRun(TrainConfig.read(config(tmp, data, out, 1)),
                Device.cpu(), null).run(false);
        assertEquals(1, first.epochsRun());
        assertTrue(Files.isRegularFile(out.resolve("model").resolve("manifest.json")));
        TrainingRun.Result resumed = new TrainingRun(TrainConfig.read(config(tmp, data, out, 2)),
                Device.cpu(), null).run(true);
        assertEquals(2, resumed.epochsRun());
        // 3 training images in batches of 2, three multi-scale steps (64, 96, 128) per batch.
        JsonNode manifest = new ObjectMapper().readTree(
                out.resolve("checkpoint/manifest.json").toFile());
        assertEquals(12, manifest.findValue("optimizerSteps").asInt(), manifest.toString());
        double loss = resumed.history().get(1).get("train_loss");
        assertTrue(Double.isFinite(loss), "train loss " + loss);
        // The resumed run ends where an uninterrupted two-epoch run ends.
        Path straight = tmp.resolve("straight");
        TrainingRun.Result straightRun = new TrainingRun(TrainConfig.read(config(tmp, data,
                straight, 2)), Device.cpu(), null).run(false);
        Map<String, HostTensor> a = ModelCheckpoint.readWeights(straight.resolve("checkpoint"));
        Map<String, HostTensor> b = ModelCheckpoint.readWeights(out.resolve("checkpoint"));
        assertEquals(a.keySet(), b.keySet());
        // The resumed run ends with the uninterrupted run's weights, to rounding. (A lost optimiser
        // state, schedule or data order moves AdaX-W weights by 1e-3 or more after one epoch.)
        double worst = 0;
        String worstKey = "";
        for (String k : a.keySet()) {
            float[] x = a.get(k).toFloatArray();
            float[] y = b.get(k).toFloatArray();
            for (int i = 0; i < x.length; i++) {
                double d = Math.abs(x[i] - y[i]);
                if (!(d <= worst)) {
                    worst = d;
                    worstKey = k;
                }
            }
        }
        System.out.printf("resume: largest weight difference %.3g (%s)%n", worst, worstKey);
        assertTrue(worst <= 1e-5,
                "resumed vs uninterrupted weights differ by " + worst + " in " + worstKey);
        double straightLoss = straightRun.history().get(1).get("val_loss");
        double resumedLoss = resumed.history().get(1).get("val_loss");
        assertEquals(straightLoss, resumedLoss, 1e-5 * Math.abs(straightLoss),
                "validation loss after a resumed run vs an uninterrupted one");
        double firstLoss = straightRun.history().get(0).get("val_loss");
        assertEquals(firstLoss, resumed.history().get(0).get("val_loss"),
                0.01 * Math.abs(firstLoss), "the resumed run keeps the first run's history");
        System.out.printf("resume: val_loss epoch 2 straight %.6f resumed %.6f%n", straightLoss,
                resumedLoss);
    }

    private static Path config(Path dir, Path data, Path out, int epochs) throws Exception {
        Path f = dir.resolve("fsanet-" + epochs + ".yaml");
        Files.writeString(f, String.join("\n",
                "model:",
                "  arch: fsanet",
                "  preset: tiny",
                "  trainSize: 96",
                "  testSize: 96",
                "  scaleRates: [0.75, 1.0, 1.25]",
                "data:",
                "  root: " + data,
                "  augmentation: none",
                "  workers: 1",
                "train:",
                "  epochs: " + epochs,
                "  batchSize: 2",
                "  optimizer: adaxw",
                "  learningRate: 1.0e-3",
                "  beta2: 1.0e-4",
                "  epsilon: 1.0e-12",
                "  weightDecay: 1.0e-4",
                "  gradientClamp: 0.5",
                "  schedule: plateau",
                "  monitor: val_loss",
                "output: " + out,
                ""));
        return f;
    }
}
