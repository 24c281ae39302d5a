package dev.freqmed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.metric.Direction;
import dev.freqmed.model.frcunet.FrcuNetConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainConfigTest {

    private static Path write(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void presetIsOverriddenByModelKeys(@TempDir Path dir) throws Exception {
        TrainConfig c = TrainConfig.read(write(dir, "model:\n  arch: frcunet\n  preset: tiny\n  inputSize: 32\n"
                + "data:\n  root: x\n  augmentation: none\ntrain:\n  epochs: 3\n"));
        FrcuNetConfig m = (FrcuNetConfig) c.model();
        assertEquals(32, m.inputSize());
        assertEquals(FrcuNetConfig.tiny().widthMultiplier(), m.widthMultiplier());
        assertEquals(3, c.train().epochs());
        assertEquals(12, c.train().batchSize());
        assertEquals(1e-4, c.train().learningRate());
        assertEquals(false, c.data().augmentation().flips());
    }

    /**
     * Files a model config names (Diffusion-FFPE's LPIPS weights) are found beside the config
     * when they are not in the working folder, and a missing one is refused before anything runs.
     */
    @Test
    void modelFilesResolveAgainstTheConfigFolder(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("w"));
        Files.writeString(dir.resolve("w/vgg16.pth"), "x");
        Files.writeString(dir.resolve("w/vgg.pth"), "x");
        String yaml = "model:\n  arch: diffusion-ffpe\n  preset: tiny\n  lpips: [w/vgg16.pth, w/%s]\n"
                + "data:\n  root: x\n  augmentation: none\n";
        TrainConfig c = TrainConfig.read(write(dir, String.format(yaml, "vgg.pth")));
        java.util.List<String> files = ((dev.freqmed.model.diffusionffpe.DiffusionFfpeConfig) c.model()).lpips();
        assertEquals(dir.resolve("w/vgg16.pth").toString(), files.get(0));
        assertEquals(dir.resolve("w/vgg.pth").toString(), files.get(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.read(write(dir, String.format(yaml, "missing.pth"))));
        assertTrue(e.getMessage().contains("c.yaml") && e.getMessage().contains("missing.pth"), e.getMessage());
    }

    @Test
    void unknownKeysAreNamed(@TempDir Path dir) throws Exception {
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> TrainConfig.read(
                write(dir, "model:\n  arch: frcunet\n  widthMultipler: 2\ndata:\n  root: x\n")));
        assertTrue(a.getMessage().contains("c.yaml") && a.getMessage().contains("widthMultipler"), a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> TrainConfig.read(
                write(dir, "model:\n  arch: frcunet\ndata:\n  root: x\ntrain:\n  epoch: 2\n")));
        assertTrue(b.getMessage().contains("'epoch'") && b.getMessage().contains("epochs"), b.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> TrainConfig.read(
                write(dir, "model:\n  arch: frcunet\ndata:\n  root: x\nfoo: 1\n")));
        assertTrue(c.getMessage().contains("'foo'"), c.getMessage());
    }

    @Test
    void wrongTypesAndValuesAreNamed(@TempDir Path dir) throws Exception {
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> TrainConfig.read(
                write(dir, "model:\n  arch: frcunet\ndata:\n  root: x\ntrain:\n  epochs: many\n")));
        assertTrue(a.getMessage().contains("epochs"), a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> TrainConfig.read(
                write(dir, "model:\n  arch: frcunet\n  inputSize: 30\ndata:\n  root: x\n")));
        assertTrue(b.getMessage().contains("inputSize"), b.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> TrainConfig.read(
                write(dir, "model:\n  arch: nosuchnet\ndata:\n  root: x\n")));
        assertTrue(c.getMessage().contains("nosuchnet") && c.getMessage().contains("frcunet"), c.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> TrainConfig.read(
                write(dir, "model:\n  arch: frcunet\ndata:\n  root: x\ntrain:\n  threads: -1\n")));
        assertTrue(d.getMessage().contains("c.yaml") && d.getMessage().contains("train.threads"), d.getMessage());
    }

    @Test
    void weightAveragingNeedsTheLastWeightsAndAWindowInsideTheRun(@TempDir Path dir) throws Exception {
        String yaml = "model:\n  arch: frcunet\n  preset: tiny\ndata:\n  root: x\n"
                + "train:\n  epochs: 4\n  keep: %s\n  average: %d\n";
        TrainConfig c = TrainConfig.read(write(dir, String.format(yaml, "last", 3)));
        assertEquals(3, c.train().average());
        assertEquals(2, c.train().firstAveragedEpoch());
        assertEquals(0, TrainConfig.read(write(dir, "model:\n  arch: frcunet\ndata:\n  root: x\n"))
                .train().average());
        IllegalArgumentException best = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.read(write(dir, String.format(yaml, "best", 2))));
        assertTrue(best.getMessage().contains("c.yaml") && best.getMessage().contains("train.average")
                && best.getMessage().contains("keep: last"), best.getMessage());
        IllegalArgumentException longer = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.read(write(dir, String.format(yaml, "last", 5))));
        assertTrue(longer.getMessage().contains("train.average") && longer.getMessage().contains("5"),
                longer.getMessage());
    }

    @Test
    void monitorsAreRegisteredMetricsWithTheirDirection(@TempDir Path dir) throws Exception {
        TrainConfig c = TrainConfig.read(write(dir, "model:\n  arch: frcunet\ndata:\n  root: x\n"
                + "train:\n  monitor: val_loss\n  plateauMonitor: val_dice\n"));
        assertEquals(Direction.MINIMIZE, c.train().monitorDirection());
        assertEquals(Direction.MAXIMIZE, c.train().plateauDirection());
        assertEquals(Direction.MAXIMIZE, TrainConfig.TrainSettings.defaults().monitorDirection());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> TrainConfig.read(
                write(dir, "model:\n  arch: frcunet\ndata:\n  root: x\ntrain:\n  monitor: val_dcie\n")));
        assertTrue(a.getMessage().contains("train.monitor") && a.getMessage().contains("val_dcie")
                && a.getMessage().contains("val_dice"), a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> TrainConfig.read(
                write(dir, "model:\n  arch: frcunet\ndata:\n  root: x\ntrain:\n  plateauMonitor: loss\n")));
        assertTrue(b.getMessage().contains("train.plateauMonitor") && b.getMessage().contains("val_loss"),
                b.getMessage());
    }
}
