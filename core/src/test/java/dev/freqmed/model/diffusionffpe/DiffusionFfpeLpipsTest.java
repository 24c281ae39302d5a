package dev.freqmed.model.diffusionffpe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.freqmed.backbone.LpipsFixtures;
import dev.freqmed.backbone.LpipsVgg;
import dev.freqmed.config.Configs;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.StateDicts;
import dev.freqmed.train.AdamOptimizer;
import dev.freqmed.train.StepContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LPIPS terms of the cycle and identity objectives, with LPIPS-VGG files (spec §4). */
class DiffusionFfpeLpipsTest {

    private static List<String> writeWeights(Path dir) throws Exception {
        Path vgg = dir.resolve("vgg16.safetensors");
        Path lin = dir.resolve("lpips-vgg.safetensors");
        Safetensors.write(vgg, LpipsFixtures.vgg(), Map.of());
        Safetensors.write(lin, LpipsFixtures.lins(), Map.of());
        return List.of(vgg.toString(), lin.toString());
    }

    /** The objective is λ·L1 + λ_lpips·LPIPS of both pairs, LPIPS from the configured files. */
    @Test
    void reconstructionAddsWeightedLpips(@TempDir Path dir) throws Exception {
        List<String> files = writeWeights(dir);
        DiffusionFfpeConfig c = DiffusionFfpeConfig.tiny();
        try (NDManager m = NDManager.newBaseManager();
                LpipsVgg lpips = LpipsVgg.load(m, Path.of(files.get(0)), Path.of(files.get(1)))) {
            NDArray x1 = m.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(2, 3, 32, 32));
            NDArray y1 = m.randomUniform(-1, 1, x1.getShape());
            NDArray x2 = m.randomUniform(-1, 1, x1.getShape());
            NDArray y2 = m.randomUniform(-1, 1, x1.getShape());
            double l1 = x1.sub(y1).abs().mean().getFloat() + x2.sub(y2).abs().mean().getFloat();
            double p = lpips.distance(x1, y1).mean().getFloat()
                    + lpips.distance(x2, y2).mean().getFloat();
            assertTrue(p > 0.01, "LPIPS of different images " + p);
            double with = new DiffusionFfpeStep(c, lpips).reconstruction(x1, y1, x2, y2, 1, 10)
                    .getFloat();
            double without = new DiffusionFfpeStep(c).reconstruction(x1, y1, x2, y2, 1, 10)
                    .getFloat();
            assertEquals(l1, without, 1e-5);
            assertEquals(l1 + 10 * p, with, 1e-4);
        }
    }

    /** A training step of the tiny model with LPIPS configured runs and leaves nothing behind. */
    @Test
    void stepWithLpipsFilesTrains(@TempDir Path dir) throws Exception {
        DiffusionFfpeConfig c = Configs.merge(DiffusionFfpeConfig.tiny(),
                Map.of("lpips", writeWeights(dir)), "test");
        DiffusionFfpeTask task = new DiffusionFfpeTask(c);
        SampleSource src = task.openData(Path.of("..", "testdata", "he-two-centres-sample"),
                "train");
        Engine.getInstance().setRandomSeed(5);
        DiffusionFfpe net = new DiffusionFfpe(c);
        try (NDManager m = NDManager.newBaseManager()) {
            net.initialize(m, DataType.FLOAT32, task.inputShape());
            DiffusionFfpeStep step = new DiffusionFfpeStep(c);
            assertTrue(step.usesLpips());
            Map<String, Parameter> generator = new LinkedHashMap<>();
            StateDicts.parameters(net).forEach((k, p) -> {
                if (p.requiresGradient() && !step.ownsParameter(k)) {
                    generator.put(k, p);
                }
            });
            List<Sample> batch = new ArrayList<>();
            Random r = new Random(3);
            batch.add(task.prepare(src.get(0), null, r));
            StepContext ctx = StepContext.standalone(net, task, m,
                    new AdamOptimizer(m.newSubManager(), 0.9, 0.999, 1e-8, 1e-2, true), generator,
                    1e-3);
            float loss = step.run(ctx, batch);
            assertTrue(Float.isFinite(loss) && loss > 0, "loss " + loss);
            int settled = m.getManagedArrays().size();
            step.run(ctx, batch);
            assertEquals(settled, m.getManagedArrays().size(), "arrays left behind by a step");
        }
    }

    @Test
    void aMissingWeightFileIsNamed(@TempDir Path dir) throws Exception {
        List<String> files = List.of(dir.resolve("vgg16-397923af.pth").toString(),
                dir.resolve("vgg.pth").toString());
        DiffusionFfpeConfig c = Configs.merge(DiffusionFfpeConfig.tiny(), Map.of("lpips", files),
                "test");
        DiffusionFfpeTask task = new DiffusionFfpeTask(c);
        DiffusionFfpe net = new DiffusionFfpe(c);
        try (NDManager m = NDManager.newBaseManager()) {
            net.initialize(m, DataType.FLOAT32, task.inputShape());
            StepContext ctx = StepContext.standalone(net, task, m,
                    new AdamOptimizer(m.newSubManager(), 0.9, 0.999, 1e-8, 1e-2, true),
                    new LinkedHashMap<>(), 1e-3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new DiffusionFfpeStep(c).run(ctx, List.of()));
            assertTrue(e.getMessage().contains("model.lpips")
                    && e.getMessage().contains("vgg16-397923af.pth"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Configs.merge(
                DiffusionFfpeConfig.tiny(), Map.of("lpips", List.of("one.pth")), "test"));
    }
}
