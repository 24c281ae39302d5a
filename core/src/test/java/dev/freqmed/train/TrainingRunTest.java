package dev.freqmed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Manifest;
import dev.freqmed.io.ModelCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class TrainingRunTest {

    @Test
    void tinyFrcuNetTrainsOnPh2AndItsLossFalls(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 12, 4);
        Path out = tmp.resolve("run");
        TrainConfig cfg = TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("c.yaml"), data, out, 20, ""));
        TrainingRun.Result r = new TrainingRun(cfg, Device.cpu(), null).run(false);
        List<Map<String, Double>> h = r.history();
        assertEquals(20, h.size());
        double first = h.get(0).get("train_loss");
        double last = h.get(19).get("train_loss");
        assertTrue(last < first * 0.8, "train loss did not fall: " + first + " -> " + last);
        // It learnt the lesion, not only the majority class: the best checkpoint segments the
        // held-out images with Dice well above 0 and beats predicting background everywhere.
        Map<String, Double> best = h.get(r.bestEpoch() - 1);
        assertTrue(best.get("val_dice") > 0.5, "best validation Dice " + best);
        assertTrue(best.get("val_accuracy") > h.get(0).get("val_accuracy") + 0.05,
                "accuracy no better than the majority class: " + best);
        for (String f : List.of("config.yaml", "log.csv", "curves.png", "model/manifest.json",
                "model/weights.safetensors", "checkpoint/manifest.json")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        Manifest m = ModelCheckpoint.readManifest(out.resolve("model"));
        assertEquals("frcunet", m.architecture());
        assertEquals(r.bestEpoch(), ((Number) m.extra().get("epoch")).intValue());
        assertEquals(21, Files.readAllLines(out.resolve("log.csv")).size());
    }

    @Test
    void epochsWhoseValidationLossFallsDoNotCountTowardsEarlyStopping() {
        List<Map<String, Double>> h = new ArrayList<>();
        h.add(Map.of("val_loss", 0.64, "val_dice", 0.0));
        h.add(Map.of("val_loss", 0.61, "val_dice", 0.0));
        assertTrue(TrainingRun.lossStillFalls(h, Map.of("val_loss", 0.60, "val_dice", 0.0)));
        assertTrue(!TrainingRun.lossStillFalls(h, Map.of("val_loss", 0.62, "val_dice", 0.0)));
        assertTrue(!TrainingRun.lossStillFalls(h, Map.of("val_dice", 0.0)));
    }

    @Test
    void resumedRunEndsWithTheSameWeightsAsAnUninterruptedOne(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 8, 4);
        Path full = tmp.resolve("full");
        Path split = tmp.resolve("split");
        train(tmp, data, full, 3, "", false, null);
        train(tmp, data, split, 2, "", false, null);
        // As a checkpoint written before train.average existed: its state has no averageFrom.
        Path manifest = split.resolve("checkpoint").resolve(ModelCheckpoint.MANIFEST);
        String json = Files.readString(manifest);
        String older = json.replaceAll(",\\s*\"averageFrom\"\\s*:\\s*0", "");
        assertTrue(!older.equals(json) && !older.contains("averageFrom"), json);
        Files.writeString(manifest, older);
        assertEquals(3, train(tmp, data, split, 3, "", true, null).epochsRun());
        Map<String, HostTensor> a = ModelCheckpoint.readWeights(full.resolve("checkpoint"));
        Map<String, HostTensor> b = ModelCheckpoint.readWeights(split.resolve("checkpoint"));
        double maxDiff = maxDifference(a, b);
        assertTrue(maxDiff <= 1e-6, "resumed weights differ by " + maxDiff);
        assertEquals(Files.readAllLines(full.resolve("log.csv")).size(), Files.readAllLines(split.resolve("log.csv")).size());
    }

    /**
     * {@code train.average: 2} of 3 epochs: the model is the mean of the weights after epochs 2
     * and 3, BatchNorm statistics included; a run stopped after epoch 2 and resumed ends with the
     * same mean. Epoch 2's weights come from a 2-epoch run, which follows the same path (the
     * schedule does not depend on the epoch count; see the resume test above).
     */
    @Test
    void weightAveragingKeepsTheMeanOfTheLastEpochsAcrossAResume(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 8, 4);
        String avg = "  keep: last\n  average: 2\n";
        Path full = tmp.resolve("full");
        Path two = tmp.resolve("two");
        train(tmp, data, full, 3, avg, false, null);
        train(tmp, data, two, 2, "  keep: last\n", false, null);
        Map<String, HostTensor> epoch2 = ModelCheckpoint.readWeights(two.resolve("model"));
        Map<String, HostTensor> ckpt3 = ModelCheckpoint.readWeights(full.resolve("checkpoint"));
        Map<String, HostTensor> mean = ModelCheckpoint.readWeights(full.resolve("model"));
        assertEquals(epoch2.keySet(), mean.keySet());
        assertTrue(mean.keySet().stream().anyMatch(k -> k.contains("running")), "no BatchNorm statistics: "
                + mean.keySet());
        double between = 0;
        double off = 0;
        for (String k : mean.keySet()) {
            float[] a = epoch2.get(k).toFloatArray();
            float[] b = ckpt3.get(k).toFloatArray();
            float[] m = mean.get(k).toFloatArray();
            for (int i = 0; i < m.length; i++) {
                between = Math.max(between, Math.abs(a[i] - b[i]));
                off = Math.max(off, Math.abs(m[i] - (a[i] + b[i]) / 2.0));
            }
        }
        assertTrue(between > 1e-3, "epochs 2 and 3 end with the same weights (" + between + "): nothing to average");
        assertTrue(off <= 1e-6, "the model is not the mean of epochs 2 and 3: off by " + off);
        Manifest m = ModelCheckpoint.readManifest(full.resolve("model"));
        assertTrue(String.valueOf(m.extra().get("weights")).contains("epochs 2-3"), m.extra().toString());
        // model-last/ holds epoch 3's own weights, the ones the checkpoint resumes from.
        Map<String, HostTensor> last = ModelCheckpoint.readWeights(full.resolve(TrainingRun.MODEL_LAST_DIR));
        Map<String, HostTensor> epoch3 = new LinkedHashMap<>(ckpt3);
        epoch3.keySet().retainAll(mean.keySet());
        assertEquals(0.0, maxDifference(last, epoch3), "model-last differs from epoch 3's weights");
        assertTrue(maxDifference(last, mean) > 1e-4, "model-last is the mean, not the last weights");
        assertFalse(Files.exists(two.resolve(TrainingRun.MODEL_LAST_DIR)), "model-last without train.average");

        Path split = tmp.resolve("split");
        TrainConfig cfg = TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("c.yaml"), data, split, 3, avg));
        TrainingRun[] self = new TrainingRun[1];
        self[0] = new TrainingRun(cfg, Device.cpu(), new ProgressListener() {
            @Override
            public void step(int epoch, int step, int steps, double loss, double imagesPerSecond) {
                if (epoch == 3) {
                    self[0].requestStop();
                }
            }
        });
        assertThrows(TrainingRun.Stopped.class, () -> self[0].run(false));
        new TrainingRun(cfg, Device.cpu(), null).run(true);
        Map<String, HostTensor> resumed = ModelCheckpoint.readWeights(split.resolve("model"));
        double resumedOff = maxDifference(mean, resumed);
        assertTrue(resumedOff <= 1e-6, "the resumed mean differs by " + resumedOff);
        // The same checkpoint resumed with another window cannot continue the mean it holds.
        TrainConfig other = TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("d.yaml"), data, split, 4,
                "  keep: last\n  average: 2\n"));
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> new TrainingRun(other, Device.cpu(), null).run(true));
        assertTrue(e.getMessage().contains("from epoch 3") && e.getMessage().contains("averaged from epoch 2"),
                e.getMessage());
    }

    @Test
    void nanLossStopsNamingTheStepAndKeepsTheLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 8, 4);
        Path out = tmp.resolve("run");
        TrainingRun run = new TrainingRun(
                TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("c.yaml"), data, out, 3, "")), Device.cpu(), null);
        // 8 images, batch 4: steps 1-2 are epoch 1, step 4 is in epoch 2.
        run.setLossOverride((step, loss) -> step == 4 ? loss.mul(Float.NaN) : loss);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> run.run(false));
        assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("step 4")
                && e.getMessage().contains("epoch 2"), e.getMessage());
        Manifest m = ModelCheckpoint.readManifest(out.resolve("checkpoint"));
        assertEquals(1.0, ((Number) ((Map<?, ?>) m.extra().get("train_state")).get("epoch")).doubleValue());
        assertTrue(Files.exists(out.resolve("model/weights.safetensors")));
    }

    @Test
    void aStopRequestEndsTheRunBeforeTheNextStepAndKeepsTheLastEpochResumable(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 8, 4);
        Path out = tmp.resolve("run");
        TrainConfig cfg = TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("c.yaml"), data, out, 3, ""));
        TrainingRun[] self = new TrainingRun[1];
        long[] stepsSeen = new long[1];
        // 8 images, batch 4: stop asked during step 1 of epoch 2 (step 3 overall).
        self[0] = new TrainingRun(cfg, Device.cpu(), new ProgressListener() {
            @Override
            public void step(int epoch, int step, int steps, double loss, double imagesPerSecond) {
                stepsSeen[0]++;
                if (epoch == 2 && step == 1) {
                    self[0].requestStop();
                }
            }
        });
        TrainingRun.Stopped e = assertThrows(TrainingRun.Stopped.class, () -> self[0].run(false));
        assertEquals(3, stepsSeen[0], "the step under way finishes, no further step starts");
        assertTrue(e.getMessage().contains("before step 4") && e.getMessage().contains("holds epoch 1")
                && e.getMessage().contains("--resume"), e.getMessage());
        TrainingRun.Result resumed = new TrainingRun(cfg, Device.cpu(), null).run(true);
        assertEquals(3, resumed.epochsRun());
    }

    @Test
    void trainThreadsSetsTheEngineThreadsForTheRunAndRestoresThemAfter(@TempDir Path tmp)
            throws Exception {
        Engine.getEngine("PyTorch");
        int before = JniUtils.getNumThreads();
        int wanted = before == 1 ? 2 : 1;
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 8, 4);
        TrainConfig cfg = TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("c.yaml"), data,
                tmp.resolve("run"), 1, "  threads: " + wanted + "\n"));
        assertEquals(wanted, cfg.train().threads());
        List<Integer> during = new ArrayList<>();
        new TrainingRun(cfg, Device.cpu(), new ProgressListener() {
            @Override
            public void step(int epoch, int step, int steps, double loss, double imagesPerSecond) {
                during.add(JniUtils.getNumThreads());
            }
        }).run(false);
        assertEquals(List.of(wanted, wanted), during);
        assertEquals(before, JniUtils.getNumThreads());
    }

    @Test
    void aNonFiniteGradientSkipsThatUpdateAndTrainingGoesOn(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 8, 4);
        Path out = tmp.resolve("run");
        TrainingRun run = new TrainingRun(
                TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("c.yaml"), data, out, 3, "")), Device.cpu(), null);
        // Step 4's loss keeps its value but back-propagates NaN: d sqrt(0) = inf, times 0.
        run.setLossOverride((step, loss) -> step == 4 ? loss.add(loss.mul(0f).sqrt()) : loss);
        long before = StepContext.skippedUpdates();
        run.run(false);
        assertEquals(1, StepContext.skippedUpdates() - before, "exactly the poisoned update is skipped");
        Map<String, dev.freqmed.io.HostTensor> w = ModelCheckpoint.readWeights(out.resolve("model"));
        for (Map.Entry<String, dev.freqmed.io.HostTensor> e : w.entrySet()) {
            for (float v : e.getValue().toFloatArray()) {
                assertTrue(Float.isFinite(v), e.getKey() + " is not finite");
            }
        }
        assertTrue(w.size() > 10, "weights read: " + w.size());
    }

    @Test
    void liveArraysDoNotGrowOver200Steps(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 8, 2);
        Path out = tmp.resolve("run");
        // 8 images at batch 4: 2 steps per epoch, 100 epochs = 200 steps.
        TrainConfig cfg = TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("c.yaml"), data, out, 100, ""));
        TrainingRun run = new TrainingRun(cfg, Device.cpu(), null);
        List<Long> counts = new ArrayList<>();
        run.setLiveArrayProbe(counts::add);
        run.run(false);
        assertEquals(200, counts.size());
        long after10 = counts.get(9);
        long last = counts.get(counts.size() - 1);
        assertEquals(after10, last, "live arrays grew from " + after10 + " to " + last);
    }

    /**
     * A finished run trained longer: under the step schedule, which does not depend on the number
     * of epochs, a 2-epoch run resumed with 3 epochs ends with the weights of a 3-epoch run; a
     * cosine run cannot be extended (its earlier epochs would have had other rates) and its
     * checkpoint is left as it was; resuming a finished run says there is nothing to train.
     */
    @Test
    void aStepRunExtendedByResumeEqualsALongerRunAndACosineRunIsRefused(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 8, 4);
        String step = "  schedule: step\n  plateauFactor: 0.5\n  stepEpochs: 1\n";
        Path full = tmp.resolve("full");
        Path split = tmp.resolve("split");
        train(tmp, data, full, 3, step, false, null);
        train(tmp, data, split, 2, step, false, null);
        Map<String, HostTensor> two = ModelCheckpoint.readWeights(split.resolve("checkpoint"));
        assertEquals(3, train(tmp, data, split, 3, step, true, null).epochsRun());
        Map<String, HostTensor> a = ModelCheckpoint.readWeights(full.resolve("checkpoint"));
        Map<String, HostTensor> b = ModelCheckpoint.readWeights(split.resolve("checkpoint"));
        double third = maxDifference(two, b);
        double off = maxDifference(a, b);
        assertTrue(third > 1e-4, "the third epoch changed nothing: " + third);
        assertTrue(off <= 1e-6, "the extended run differs from a 3-epoch run by " + off);
        // The same log, learning rates included, but for each epoch's seconds (the last column).
        assertEquals(withoutSeconds(full.resolve("log.csv")), withoutSeconds(split.resolve("log.csv")));
        assertEquals(4, withoutSeconds(split.resolve("log.csv")).size());

        String cosine = "  schedule: cosine\n";
        Path cos = tmp.resolve("cos");
        train(tmp, data, cos, 2, cosine, false, null);
        byte[] before = Files.readAllBytes(cos.resolve("checkpoint").resolve(ModelCheckpoint.WEIGHTS));
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> train(tmp, data, cos, 3, cosine, true, null));
        assertTrue(e.getMessage().contains("epoch 2 trained at learning rate")
                && e.getMessage().contains("cosine over 3 epochs"), e.getMessage());
        assertTrue(java.util.Arrays.equals(before,
                Files.readAllBytes(cos.resolve("checkpoint").resolve(ModelCheckpoint.WEIGHTS))));
        List<String> messages = new ArrayList<>();
        assertEquals(2, train(tmp, data, cos, 2, cosine, true, new ProgressListener() {
            @Override
            public void message(String text) {
                messages.add(text);
            }
        }).epochsRun());
        assertTrue(messages.stream().anyMatch(m -> m.contains("nothing to train")), messages.toString());
    }

    /** One run of the tiny config, written next to its output folder. */
    private static TrainingRun.Result train(Path tmp, Path data, Path out, int epochs, String extraTrain,
            boolean resume, ProgressListener listener) throws Exception {
        Path yaml = tmp.resolve(out.getFileName() + "-" + epochs + (resume ? "-resume" : "") + ".yaml");
        return new TrainingRun(TrainConfig.read(TrainFixtures.tinyConfig(yaml, data, out, epochs, extraTrain)),
                Device.cpu(), listener).run(resume);
    }

    private static List<String> withoutSeconds(Path log) throws java.io.IOException {
        return Files.readAllLines(log).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    }

    private static double maxDifference(Map<String, HostTensor> a, Map<String, HostTensor> b) {
        assertEquals(a.keySet(), b.keySet());
        double max = 0;
        for (String k : a.keySet()) {
            float[] x = a.get(k).toFloatArray();
            float[] y = b.get(k).toFloatArray();
            for (int i = 0; i < x.length; i++) {
                max = Math.max(max, Math.abs(x[i] - y[i]));
            }
        }
        return max;
    }

    @Test
    void resumeWithoutCheckpointIsAClearError(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 4, 2);
        TrainConfig cfg = TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("c.yaml"), data, tmp.resolve("none"), 1, ""));
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> new TrainingRun(cfg, Device.cpu(), null).run(true));
        assertTrue(e.getMessage().contains("nothing to resume"), e.getMessage());
    }
}
