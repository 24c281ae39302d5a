package dev.freqmed.model.diffusionffpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
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

/**
 * One generator/discriminator step of the tiny Diffusion-FFPE on real sample tiles
 * (testdata/he-two-centres-sample): the five objectives are finite, the generator's translation
 * and the discriminator heads change, the frozen parts do not, the step's own optimiser state
 * (two discriminator updates) survives a save/restore, and a further step leaves no array behind.
 */
class DiffusionFfpeStepTest {

    @Test
    void oneStepTrainsGeneratorAndDiscriminatorsAndKeepsItsOptimiserState() throws Exception {
        DiffusionFfpeConfig c = DiffusionFfpeConfig.tiny();
        DiffusionFfpeTask task = new DiffusionFfpeTask(c);
        SampleSource src = task.openData(Path.of("..", "testdata", "he-two-centres-sample"),
                "train");
        Engine.getInstance().setRandomSeed(11);
        DiffusionFfpe net = new DiffusionFfpe(c);
        try (NDManager m = NDManager.newBaseManager()) {
            net.initialize(m, DataType.FLOAT32, task.inputShape());
            Map<String, Parameter> all = StateDicts.parameters(net);
            Map<String, Parameter> generator = new LinkedHashMap<>();
            DiffusionFfpeStep step = new DiffusionFfpeStep(c);
            all.forEach((k, p) -> {
                if (p.requiresGradient() && !step.ownsParameter(k)) {
                    generator.put(k, p);
                }
            });
            Random r = new Random(3);
            List<Sample> batch = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                batch.add(task.prepare(src.get(i), null, r));
            }
            NDArray a = task.inputs(m, batch).head();
            ParameterStore ps = new ParameterStore(m, false);
            float[] before = net.translate(ps, a, DiffusionFfpe.Direction.A2B, null, false)
                    .toFloatArray();
            float[] headBefore = all.get("net_disc_a.decoder.0.out.weight_orig").getArray()
                    .toFloatArray();
            float[] frozenBefore = all.get("vae_patch.encoder.conv_in.base_layer.weight")
                    .getArray().toFloatArray();
            StepContext ctx = StepContext.standalone(net, task, m,
                    new AdamOptimizer(m.newSubManager(), 0.9, 0.999, 1e-8, 1e-2, true), generator,
                    1e-3);
            float loss = step.run(ctx, batch);
            assertTrue(Float.isFinite(loss) && loss > 0, "loss " + loss);
            float[] after = net.translate(ps, a, DiffusionFfpe.Direction.A2B, null, false)
                    .toFloatArray();
            double change = 0;
            for (int i = 0; i < after.length; i++) {
                change = Math.max(change, Math.abs(after[i] - before[i]));
            }
            assertTrue(change > 1e-4, "the translation did not change: " + change);
            assertFalse(java.util.Arrays.equals(headBefore,
                    all.get("net_disc_a.decoder.0.out.weight_orig").getArray().toFloatArray()));
            assertArrayEquals(frozenBefore, all.get("vae_patch.encoder.conv_in.base_layer.weight")
                    .getArray().toFloatArray());

            Map<String, NDArray> state = step.stateArrays();
            assertEquals(2L, state.get("steps").toLongArray()[0]);
            assertTrue(state.containsKey("m.net_disc_a.decoder.0.out.weight_orig"));
            DiffusionFfpeStep resumed = new DiffusionFfpeStep(c);
            resumed.restoreState(m, state);
            Map<String, NDArray> back = resumed.stateArrays();
            assertEquals(state.keySet(), back.keySet());
            for (String k : state.keySet()) {
                assertArrayEquals(state.get(k).toType(DataType.FLOAT64, false).toDoubleArray(),
                        back.get(k).toType(DataType.FLOAT64, false).toDoubleArray(), k);
            }

            // A step leaves nothing behind: arrays made from parameters (the ViT's class token,
            // the prompt table) once stayed in the network's manager with the graph built on them.
            int settled = m.getManagedArrays().size();
            step.run(ctx, batch);
            assertEquals(settled, m.getManagedArrays().size(), "arrays left behind by a step");
        }
    }
}
