package dev.freqmed.nn;

import static dev.freqmed.nn.NnTestSupport.assertGradientsFlow;
import static dev.freqmed.nn.NnTestSupport.assertMatches;
import static dev.freqmed.nn.NnTestSupport.fill;
import static dev.freqmed.nn.NnTestSupport.infer;
import static dev.freqmed.nn.NnTestSupport.input;
import static dev.freqmed.nn.NnTestSupport.maxAbsDiff;
import static dev.freqmed.nn.NnTestSupport.w;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.freqmed.nn.ScopedForward;
import dev.freqmed.io.StateDicts;
import dev.freqmed.nn.NnTestSupport.Golden;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link LoraLinearBlock} and {@link LoraConfig}.
 *
 * <p>Golden values: torch 1.13, PEFT's LoRA formula written out ({@code base(x) + B(A(x)) · alpha
 * / r} and the merged weight {@code W + (B @ A) · alpha / r}) for {@code Linear(6, 5)}, rank 3,
 * alpha 6, with the formula weights ({@code base_layer.weight}, {@code base_layer.bias},
 * {@code lora_A.weight}, {@code lora_B.weight} as tensors 0 to 3) and input {@code (4, 6)} of
 * {@link NnTestSupport}. Tolerance 1e-5 on sampled values.
 */
class LoraLinearBlockTest {

    static final Golden LORA_LINEAR = new Golden(new long[] {4, 5},
            2.81031844, 14.5210822, 1.69683187,
            new int[] {0, 1, 2, 6, 10, 13, 18, 19},
            new double[] {
                0.0950163603, 1.25932229, -1.23897719, 0.470748484, 0.461866051, 1.20086336,
                1.16325235, -1.08998728});
    static final Golden LORA_LINEAR_MERGED_WEIGHT = new Golden(new long[] {5, 6},
            1.63068411, 9.51604939, -0.192169729,
            new int[] {0, 1, 4, 10, 15, 20, 28, 29},
            new double[] {
                0.119936049, 0.200758487, 0.25581038, -0.354395866, -0.239463046, 0.538886607,
                -0.3567819, -0.456641138});

    private static LoraLinearBlock lora(LoraConfig config, long seed) {
        return LoraLinearBlock.builder()
                .setBase(Linear.builder().setUnits(5).build())
                .setConfig(config)
                .setRandom(new Random(seed))
                .build();
    }

    private static Map<String, Parameter> params(LoraLinearBlock b) {
        return StateDicts.parameters(b);
    }

    @Test
    void mergeAllFoldsEveryAdapterOfANetworkAndKeepsItsOutput() {
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.nn.SequentialBlock net = new ai.djl.nn.SequentialBlock()
                    .add(lora(LoraConfig.of(2, 4), 1))
                    .add(Linear.builder().setUnits(5).build())
                    .add(new ai.djl.nn.SequentialBlock().add(lora(LoraConfig.of(3, 6), 2)));
            Shape shape = new Shape(3, 6);
            net.initialize(m, DataType.FLOAT32, shape);
            List<NDArray> loraB = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : StateDicts.parameters(net).entrySet()) {
                if (e.getKey().endsWith("lora_B.weight")) {
                    loraB.add(e.getValue().getArray());
                }
            }
            assertEquals(2, loraB.size());
            NDArray x = m.randomNormal(shape);
            NDArray off = infer(net, x); // fresh adapters: lora_B is zero
            for (NDArray b : loraB) {
                b.set(m.randomNormal(b.getShape()).toFloatArray());
            }
            NDArray before = infer(net, x);
            assertTrue(maxAbsDiff(before, off) > 1e-3, "adapters active");
            assertEquals(2, Lora.mergeAll(net));
            assertTrue(maxAbsDiff(before, infer(net, x)) <= 1e-5);
            for (NDArray b : loraB) {
                assertEquals(0f, b.abs().max().getFloat()); // folded into the base weights
            }
            // Merged for inference only: nothing was kept to unmerge with.
            LoraLinearBlock first = (LoraLinearBlock) net.getChildren().get(0).getValue();
            IllegalStateException e = assertThrows(IllegalStateException.class, first::unmerge);
            assertTrue(e.getMessage().contains("inference only"), e.getMessage());
        }
    }

    @Test
    void unmergeGivesBackTheBaseWeightAndTheAdapter() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraLinearBlock b = lora(LoraConfig.of(3, 6), 4);
            b.initialize(m, DataType.FLOAT32, new Shape(4, 6));
            NDArray bw = params(b).get("lora_B.weight").getArray();
            bw.set(m.randomNormal(new Shape(5, 3)).toFloatArray());
            float[] baseBefore = params(b).get("base_layer.weight").getArray().toFloatArray();
            float[] bBefore = bw.toFloatArray();
            NDArray x = m.randomNormal(new Shape(4, 6));
            NDArray before = infer(b, x);
            b.merge();
            b.merge(); // a second merge changes nothing
            NDArray merged = params(b).get("base_layer.weight").getArray();
            assertTrue(maxAbsDiff(merged, m.create(baseBefore, merged.getShape())) > 0.1,
                    "the merge moved the base weight");
            assertEquals(0f, bw.abs().max().getFloat());
            assertTrue(maxAbsDiff(before, infer(b, x)) <= 1e-5);

            b.unmerge();
            assertFalse(b.isMerged());
            assertTrue(maxAbsDiff(params(b).get("base_layer.weight").getArray(),
                    m.create(baseBefore, merged.getShape())) <= 1e-6, "base weight restored");
            assertEquals(0.0, maxAbsDiff(bw, m.create(bBefore, bw.getShape())));
            assertTrue(maxAbsDiff(before, infer(b, x)) <= 1e-5);
            assertTrue(maxAbsDiff(before, infer(b.getBase(), x)) > 0.1, "adapter separate again");
            assertThrows(IllegalStateException.class, b::unmerge);

            // A training pass after merging ends what unmerge could undo.
            b.merge();
            b.forward(new ParameterStore(m, false), new NDList(x), true);
            assertFalse(b.isMerged());
            assertThrows(IllegalStateException.class, b::unmerge);
        }
    }

    @Test
    void freshAdapterGivesExactlyTheBaseOutput() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraLinearBlock b = lora(LoraConfig.of(3, 8), 1);
            Shape shape = new Shape(4, 6);
            b.initialize(m, DataType.FLOAT32, shape);
            assertEquals(List.of("base_layer.weight", "base_layer.bias", "lora_A.weight",
                    "lora_B.weight"), new ArrayList<>(params(b).keySet()));
            NDArray a = params(b).get("lora_A.weight").getArray();
            assertEquals(new Shape(3, 6), a.getShape());
            assertEquals(new Shape(5, 3), params(b).get("lora_B.weight").getArray().getShape());
            assertEquals(0f, params(b).get("lora_B.weight").getArray().abs().sum().getFloat());
            // PEFT's kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(6), 1/sqrt(6)) for 6 inputs.
            assertTrue(a.abs().max().getFloat() <= 1 / Math.sqrt(6));
            assertTrue(a.abs().min().getFloat() > 0);
            NDArray x = m.randomNormal(shape);
            NDArray base = infer(b.getBase(), x);
            assertEquals(0.0, maxAbsDiff(base, infer(b, x)));
            assertEquals(new Shape(4, 5), b.getOutputShapes(new Shape[] {shape})[0]);
        }
    }

    /** Before merging: base output plus the low-rank term; after: the same output, in W. */
    @Test
    void matchesPeftInTorchBeforeAndAfterMerge() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraLinearBlock b = lora(LoraConfig.of(3, 6), 1);
            b.initialize(m, DataType.FLOAT32, new Shape(4, 6));
            fill(b, List.of(w("base_layer.weight", .5), w("base_layer.bias", .1),
                    w("lora_A.weight", .5), w("lora_B.weight", .5)));
            NDArray x = input(m, new Shape(4, 6));
            NDArray before = infer(b, x);
            assertMatches(LORA_LINEAR, before, 1e-5);
            NDArray a = params(b).get("lora_A.weight").getArray();
            NDArray bw = params(b).get("lora_B.weight").getArray();
            NDArray lowRank = x.matMul(a.transpose()).matMul(bw.transpose()).mul(2f);
            assertTrue(maxAbsDiff(infer(b.getBase(), x).add(lowRank), before) <= 1e-6);

            b.merge();
            assertMatches(LORA_LINEAR_MERGED_WEIGHT,
                    params(b).get("base_layer.weight").getArray(), 1e-5);
            assertEquals(0f, bw.abs().sum().getFloat(), "lora_B is zero after merging");
            assertTrue(maxAbsDiff(before, infer(b, x)) <= 1e-5);
            assertTrue(maxAbsDiff(before, infer(b.getBase(), x)) <= 1e-5);
        }
    }

    @Test
    void mergeKeepsTheOutputOnRandomInput() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraLinearBlock b = lora(new LoraConfig(4, 16, 0, LoraConfig.Initialization.GAUSSIAN),
                    7);
            b.initialize(m, DataType.FLOAT32, new Shape(3, 2, 6));
            params(b).get("lora_B.weight").getArray().set(
                    m.randomNormal(new Shape(5, 4)).toFloatArray());
            NDArray x = m.randomNormal(new Shape(3, 2, 6));
            NDArray before = infer(b, x);
            assertTrue(maxAbsDiff(before, infer(b.getBase(), x)) > 0.1, "adapter is active");
            int arrays = m.getManagedArrays().size();
            b.merge();
            assertEquals(arrays, m.getManagedArrays().size(), "merge left temporaries behind");
            assertTrue(maxAbsDiff(before, infer(b, x)) <= 1e-5);
        }
    }

    @Test
    void baseIsFrozenAndTheAdapterLearns() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraLinearBlock b = lora(LoraConfig.of(3, 6), 2);
            b.initialize(m, DataType.FLOAT32, new Shape(4, 6));
            params(b).get("lora_B.weight").getArray().set(
                    m.randomNormal(new Shape(5, 3)).toFloatArray());
            assertFalse(params(b).get("base_layer.weight").requiresGradient());
            assertFalse(params(b).get("base_layer.bias").requiresGradient());
            List<String> trainable = assertGradientsFlow(b, m.randomNormal(new Shape(4, 6)));
            assertEquals(List.of("lora_A.weight", "lora_B.weight"), trainable);

            LoraLinearBlock open = LoraLinearBlock.builder()
                    .setBase(Linear.builder().setUnits(5).build())
                    .setConfig(LoraConfig.of(3, 6))
                    .setRandom(new Random(2))
                    .optTrainableBase(true)
                    .build();
            open.initialize(m, DataType.FLOAT32, new Shape(4, 6));
            params(open).get("lora_B.weight").getArray().set(
                    m.randomNormal(new Shape(5, 3)).toFloatArray());
            assertEquals(4, assertGradientsFlow(open, m.randomNormal(new Shape(4, 6))).size());
            NDArray x = m.randomNormal(new Shape(4, 6));
            NDArray before = infer(open, x);
            open.merge();
            assertTrue(maxAbsDiff(before, infer(open, x)) <= 1e-5, "merge into a trainable base");
            assertTrue(params(open).get("base_layer.weight").requiresGradient());
        }
    }

    @Test
    void initialisedBaseKeepsItsWeightsAndIsFrozen() {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear base = Linear.builder().setUnits(5).build();
            base.initialize(m, DataType.FLOAT32, new Shape(1, 6));
            NDArray w = base.getParameters().get("weight").getArray();
            assertTrue(w.hasGradient());
            float[] values = w.toFloatArray();
            LoraLinearBlock b = LoraLinearBlock.builder().setBase(base)
                    .setConfig(LoraConfig.of(2, 2)).setRandom(new Random(3)).build();
            b.initialize(m, DataType.FLOAT32, new Shape(1, 6));
            assertFalse(w.hasGradient());
            assertEquals(0.0, maxAbsDiff(m.create(values, w.getShape()), w));
        }
    }

    @Test
    void initialisationIsSeededAndGaussianHasStdOneOverRank() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraConfig gauss = new LoraConfig(4, 4, 0, LoraConfig.Initialization.GAUSSIAN);
            LoraLinearBlock one = LoraLinearBlock.builder()
                    .setBase(Linear.builder().setUnits(5).build()).setConfig(gauss)
                    .setRandom(new Random(11)).build();
            LoraLinearBlock two = LoraLinearBlock.builder()
                    .setBase(Linear.builder().setUnits(5).build()).setConfig(gauss)
                    .setRandom(new Random(11)).build();
            one.initialize(m, DataType.FLOAT32, new Shape(1, 512));
            two.initialize(m, DataType.FLOAT32, new Shape(1, 512));
            NDArray a = params(one).get("lora_A.weight").getArray();
            assertEquals(0.0, maxAbsDiff(a, params(two).get("lora_A.weight").getArray()));
            double std = Math.sqrt(a.square().mean().getFloat());
            assertEquals(0.25, std, 0.02, "N(0, (1/r)^2) with r = 4");
        }
    }

    @Test
    void dropoutActsOnlyWhileTraining() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraLinearBlock plain = lora(LoraConfig.of(3, 6), 5);
            LoraLinearBlock dropped = lora(
                    new LoraConfig(3, 6, 0.5f, LoraConfig.Initialization.KAIMING_UNIFORM), 5);
            for (LoraLinearBlock b : List.of(plain, dropped)) {
                b.initialize(m, DataType.FLOAT32, new Shape(8, 6));
                fill(b, List.of(w("base_layer.weight", .5), w("base_layer.bias", .1),
                        w("lora_A.weight", .5), w("lora_B.weight", .5)));
            }
            NDArray x = m.randomNormal(new Shape(8, 6));
            assertEquals(0.0, maxAbsDiff(infer(plain, x), infer(dropped, x)));
            NDArray trained = dropped.forward(new ParameterStore(m, false), new NDList(x), true)
                    .singletonOrThrow();
            assertTrue(maxAbsDiff(infer(plain, x), trained) > 0);
        }
    }

    @Test
    void runsInsideScopedForward() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraLinearBlock b = lora(LoraConfig.of(2, 4), 4);
            b.initialize(m, DataType.FLOAT32, new Shape(2, 6));
            try (NDManager batch = m.newSubManager()) {
                NDArray x = batch.randomNormal(new Shape(2, 6));
                NDArray direct = infer(b, x);
                int before = batch.getManagedArrays().size();
                NDArray y = ScopedForward.run(new NDList(x), false,
                        in -> b.forward(new ParameterStore(batch, false), in, false))
                        .singletonOrThrow();
                assertEquals(before + 1, batch.getManagedArrays().size());
                assertEquals(0.0, maxAbsDiff(direct, y));
            }
        }
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.of(0, 8));
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.of(4, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new LoraConfig(4, 8, 1f, LoraConfig.Initialization.GAUSSIAN));
        assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 8, 0, null));
        assertEquals(2f, LoraConfig.of(4, 8).scaling());
        assertThrows(IllegalArgumentException.class, () -> LoraLinearBlock.builder()
                .setBase(Linear.builder().setUnits(5).build()).setConfig(LoraConfig.of(2, 2))
                .build());
        LoraLinearBlock uninitialised = lora(LoraConfig.of(2, 2), 1);
        assertThrows(IllegalStateException.class, uninitialised::merge);
    }
}
