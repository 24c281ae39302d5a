package dev.freqmed.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Manifest;
import dev.freqmed.io.ModelCheckpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optimiser and schedule registries, parameter groups and model.init in a real run. */
class OptimizersAndSchedulesTest {

    private static TrainConfig.TrainSettings settings(String optimizer, String schedule,
            int warmup) {
        TrainConfig.TrainSettings d = TrainConfig.TrainSettings.defaults();
        return new TrainConfig.TrainSettings(10, d.batchSize(), optimizer, 0.1, 0.9, d.beta2(),
                d.epsilon(), 0.1, d.plateauMonitor(), 0.5, d.plateauPatience(),
                d.plateauMinDelta(), 0.01, d.monitor(), d.earlyStopping(), d.seed(),
                d.gradientClamp(), schedule, 1.0, List.of(), "best", warmup, 3, 0, 0);
    }

    @Test
    void sgdWithMomentumAndWeightDecayFollowsTorch() {
        // torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.1) on w = [1, -2] with the
        // gradient of sum(w^2 * [1, 3]), two steps, by hand:
        // step 1: g = [2, -12] + 0.1 w = [2.1, -12.2]; b = g; w = [0.79, -0.78]
        // step 2: g = [1.58, -4.68] + [0.079, -0.078] = [1.659, -4.758];
        //         b = 0.9 [2.1, -12.2] + g = [3.549, -15.738]; w = [0.4351, 0.7938]
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter p = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT)
                    .build();
            p.setArray(m.create(new float[] {1, -2}));
            p.getArray().setRequiresGradient(true);
            TrainOptimizer opt = Optimizers.create(settings("sgd", "step", 0), m);
            for (int i = 0; i < 2; i++) {
                try (GradientCollector gc = ai.djl.engine.Engine.getInstance()
                        .newGradientCollector()) {
                    NDArray w = p.getArray();
                    gc.backward(w.square().mul(m.create(new float[] {1, 3})).sum());
                }
                opt.update(Map.of("w", p), 0.1);
            }
            assertArrayEquals(new float[] {0.4351f, 0.7938f}, p.getArray().toFloatArray(), 1e-5f);
            assertEquals(2, opt.step());
            assertEquals(1, opt.stateArrays().size());
        }
    }

    @Test
    void schedulesGiveTheirFormulasAndWarmUpInFront() {
        assertEquals(0.1, Schedules.lr(settings("adam", "cosine", 0), 1, 0), 1e-12);
        assertEquals(0.01 + 0.09 * (1 + Math.cos(Math.PI * 5 / 10)) / 2,
                Schedules.lr(settings("adam", "cosine", 0), 6, 0), 1e-12);
        // step: x0.5 every 3 epochs
        assertEquals(0.1, Schedules.lr(settings("adam", "step", 0), 3, 0), 1e-12);
        assertEquals(0.05, Schedules.lr(settings("adam", "step", 0), 4, 0), 1e-12);
        assertEquals(0.025, Schedules.lr(settings("adam", "step", 0), 7, 0), 1e-12);
        assertEquals(0.1 * 0.9, Schedules.lr(settings("adam", "poly", 0), 1, 0), 1e-12);
        assertEquals(0.07, Schedules.lr(settings("adam", "plateau", 0), 4, 0.07), 1e-12);
        // warm-up over 2 epochs: 1/3, 2/3, then the schedule
        assertEquals(0.1 / 3, Schedules.lr(settings("adam", "step", 2), 1, 0), 1e-12);
        assertEquals(0.2 / 3, Schedules.lr(settings("adam", "step", 2), 2, 0), 1e-12);
        assertEquals(0.1, Schedules.lr(settings("adam", "step", 2), 3, 0), 1e-12);
    }

    @Test
    void unknownNamesListTheRegisteredOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings("lamb", "poly", 0));
        assertTrue(e.getMessage().contains("adam, adamw, adaxw, sgd"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settings("adam", "linear", 0));
        assertTrue(e.getMessage().contains("cosine, plateau, poly, step"), e.getMessage());
    }

    @Test
    void groupsFreezeAndInitLoadsInARealRun(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 6, 2);
        // A first run provides the weights the second starts from.
        Path first = tmp.resolve("first");
        new TrainingRun(TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("a.yaml"), data,
                first, 1, "")), Device.cpu(), null).run(false);
        Map<String, HostTensor> start = ModelCheckpoint.readWeights(first.resolve("model"));
        Path second = tmp.resolve("second");
        Path cfg = TrainFixtures.tinyConfig(tmp.resolve("b.yaml"), data, second, 1,
                "  optimizer: sgd\n  schedule: cosine\n  warmupEpochs: 0\n  groups:\n"
                        + "    - {name: frozen, params: [\"encoder.*\"], frozen: true}\n"
                        + "    - {name: slow, params: [\"conv2d_1*\"], learningRate: 1.0e-4}\n");
        String yaml = java.nio.file.Files.readString(cfg).replace("  bnMomentum: 0.9\n",
                "  bnMomentum: 0.9\n  init: " + first.resolve("model/weights.safetensors") + "\n");
        java.nio.file.Files.writeString(cfg, yaml);
        new TrainingRun(TrainConfig.read(cfg), Device.cpu(), null).run(false);
        Map<String, HostTensor> end = ModelCheckpoint.readWeights(second.resolve("checkpoint"));
        int frozenSame = 0;
        int movedElsewhere = 0;
        for (Map.Entry<String, HostTensor> e : start.entrySet()) {
            boolean same = java.util.Arrays.equals(e.getValue().toFloatArray(),
                    end.get(e.getKey()).toFloatArray());
            if (e.getKey().startsWith("encoder.") && !e.getKey().contains("running_")) {
                assertTrue(same, e.getKey() + " is frozen but changed");
                frozenSame++;
            } else if (!same && e.getKey().startsWith("conv2d_")) {
                movedElsewhere++;
            }
        }
        assertTrue(frozenSame > 10, "frozen tensors checked: " + frozenSame);
        assertTrue(movedElsewhere > 3, "trained tensors that moved: " + movedElsewhere);
        Manifest man = ModelCheckpoint.readManifest(second.resolve("checkpoint"));
        Map<?, ?> init = (Map<?, ?>) man.extra().get("init");
        assertEquals(64, init.get("sha256").toString().length(), init.toString());
        assertEquals(TrainingRun.sha256(first.resolve("model/weights.safetensors")),
                init.get("sha256"));
        Map<?, ?> drawn = (Map<?, ?>) man.extra().get("initialisation");
        assertEquals(TrainConfig.read(cfg).train().seed(), ((Number) drawn.get("seed")).longValue());
        assertTrue(drawn.get("convention").toString().startsWith("Keras"), drawn.toString());
    }
}
