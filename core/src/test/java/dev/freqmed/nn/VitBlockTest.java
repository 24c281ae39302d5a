package dev.freqmed.nn;

import static dev.freqmed.nn.NnTestSupport.assertGradientsFlow;
import static dev.freqmed.nn.NnTestSupport.assertMatches;
import static dev.freqmed.nn.NnTestSupport.fill;
import static dev.freqmed.nn.NnTestSupport.infer;
import static dev.freqmed.nn.NnTestSupport.input;
import static dev.freqmed.nn.NnTestSupport.maxAbsDiff;
import static dev.freqmed.nn.NnTestSupport.w;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.freqmed.nn.ScopedForward;
import dev.freqmed.io.StateDicts;
import dev.freqmed.nn.NnTestSupport.Golden;
import dev.freqmed.nn.NnTestSupport.Weight;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link VitBlock} against torch 1.13: a small re-implementation of SAM's image-encoder
 * {@code Block} (window partition with padding, {@code Attention} with decomposed relative
 * positions, {@code MLPBlock}) and of the DINOv2 {@code Block} with LayerScale, LayerNorm
 * ε 1e-6, run once with the formula weights and inputs of {@link NnTestSupport}: width 8, 2 heads,
 * MLP 16; tokens {@code (2, 7, 8)} with LayerScale; a grid {@code (1, 5, 6, 8)} with 4×4 windows
 * (padded to 8×8) and window-sized tables; the same grid with global attention and tables for 3×3
 * (resized to 9 and 11 rows). Tolerance 1e-5 on sampled values.
 */
class VitBlockTest {

    static final Golden VIT_LAYERSCALE = new Golden(new long[] {2, 7, 8},
            16.3030064, 70.7960798, 4.37330883,
            new int[] {0, 1, 16, 37, 56, 74, 110, 111},
            new double[] {
                0.669834435, 1.35864127, 0.292004108, 0.0603373945, 1.08567321, -0.483207643,
                0.215473339, 0.796042025});
    static final Golden VIT_WINDOW_RELPOS = new Golden(new long[] {1, 5, 6, 8},
            103.087102, 231.732911, -3.37699176,
            new int[] {0, 1, 34, 80, 120, 160, 238, 239},
            new double[] {
                1.05117822, 2.58530331, 0.719314694, 0.104299366, -0.00764328241, 1.56228161,
                -0.337651432, -1.62702918});
    static final Golden VIT_GLOBAL_RELPOS_RESIZED = new Golden(new long[] {1, 5, 6, 8},
            100.848911, 231.92591, -3.72861483,
            new int[] {0, 1, 34, 80, 120, 160, 238, 239},
            new double[] {
                1.1871177, 2.56966162, 0.64687264, 0.0431563854, -0.153695703, 1.59753621,
                -0.383524299, -1.57197881});

    private static List<Weight> table(MlpBlock.Naming naming, boolean layerScale,
            boolean relative) {
        List<Weight> t = new ArrayList<>(List.of(w("norm1.weight", .1, 1), w("norm1.bias", .1),
                w("attn.qkv.weight", .5), w("attn.qkv.bias", .1), w("attn.proj.weight", .5),
                w("attn.proj.bias", .1)));
        if (relative) {
            t.add(w("attn.rel_pos_h", .5));
            t.add(w("attn.rel_pos_w", .5));
        }
        String a = "mlp." + naming.first();
        String b = "mlp." + naming.second();
        t.addAll(List.of(w("norm2.weight", .1, 1), w("norm2.bias", .1), w(a + ".weight", .5),
                w(a + ".bias", .1), w(b + ".weight", .5), w(b + ".bias", .1)));
        if (layerScale) {
            t.add(w("ls1.gamma", .5));
            t.add(w("ls2.gamma", .5));
        }
        return t;
    }

    private static VitBlock.Builder small() {
        return VitBlock.builder().setDim(8).setHeads(2).optMlpRatio(2.0);
    }

    @Test
    void matchesTorchDinoStyleWithLayerScale() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape tokens = new Shape(2, 7, 8);
            VitBlock block = small().optLayerScale(1e-5f).build();
            block.initialize(m, DataType.FLOAT32, tokens);
            fill(block, table(MlpBlock.Naming.TIMM, true, false));
            assertMatches(VIT_LAYERSCALE, infer(block, input(m, tokens)), 1e-5);
        }
    }

    @Test
    void matchesTorchSamStyleWindowedAndGlobal() {
        for (int chunk : new int[] {0, 5}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Shape grid = new Shape(1, 5, 6, 8);
                VitBlock windowed = small().optMlpNaming(MlpBlock.Naming.SAM).optWindowSize(4)
                        .optRelativePosition(5, 6).optQueryChunk(chunk).build();
                windowed.initialize(m, DataType.FLOAT32, grid);
                fill(windowed, table(MlpBlock.Naming.SAM, false, true));
                assertEquals(new Shape(7, 4), StateDicts.parameters(windowed)
                        .get("attn.rel_pos_h").getArray().getShape());
                assertMatches(VIT_WINDOW_RELPOS, infer(windowed, input(m, grid)), 1e-5);

                VitBlock global = small().optMlpNaming(MlpBlock.Naming.SAM)
                        .optRelativePosition(3, 3).optQueryChunk(chunk).build();
                global.initialize(m, DataType.FLOAT32, grid);
                fill(global, table(MlpBlock.Naming.SAM, false, true));
                assertMatches(VIT_GLOBAL_RELPOS_RESIZED, infer(global, input(m, grid)), 1e-5);
            }
        }
    }

    @Test
    void windowPartitionPadsAndRoundTrips() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(2, 5, 6, 3);
            NDArray x = m.randomNormal(s);
            NDArray windows = VitBlock.partition(x, 4);
            assertEquals(new Shape(8, 4, 4, 3), windows.getShape());
            // Window 1 of sample 0 holds rows 0..3 and columns 4..5, then zero padding.
            assertEquals(0.0, maxAbsDiff(x.get(new NDIndex("0, 0:4, 4:6, :")),
                    windows.get(new NDIndex("1, :, 0:2, :"))));
            assertEquals(0f, windows.get(new NDIndex("1, :, 2:, :")).abs().sum().getFloat());
            // Window 6 is sample 1, second window row, first column: rows 4 (then padding).
            assertEquals(0.0, maxAbsDiff(x.get(new NDIndex("1, 4:5, 0:4, :")),
                    windows.get(new NDIndex("6, 0:1, :, :"))));
            assertEquals(0.0, maxAbsDiff(x, VitBlock.unpartition(windows, 4, s)));
        }
    }

    @Test
    void keysFollowSamAndDinoV2() {
        try (NDManager m = NDManager.newBaseManager()) {
            VitBlock sam = small().optMlpNaming(MlpBlock.Naming.SAM).optWindowSize(4)
                    .optRelativePosition(5, 6).build();
            sam.initialize(m, DataType.FLOAT32, new Shape(1, 5, 6, 8));
            assertEquals(List.of("norm1.weight", "norm1.bias", "attn.rel_pos_h", "attn.rel_pos_w",
                    "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
                    "norm2.weight", "norm2.bias", "mlp.lin1.weight", "mlp.lin1.bias",
                    "mlp.lin2.weight", "mlp.lin2.bias"),
                    new ArrayList<>(StateDicts.parameters(sam).keySet()));
            VitBlock dino = small().optLayerScale(1e-5f).build();
            dino.initialize(m, DataType.FLOAT32, new Shape(1, 7, 8));
            List<String> keys = new ArrayList<>(StateDicts.parameters(dino).keySet());
            assertTrue(keys.containsAll(List.of("ls1.gamma", "ls2.gamma", "mlp.fc1.weight",
                    "mlp.fc2.bias")), keys.toString());
            NDArray gamma = StateDicts.parameters(dino).get("ls1.gamma").getArray();
            assertEquals(1e-5f, gamma.max().getFloat());
            assertEquals(1e-5f, gamma.min().getFloat());
        }
    }

    @Test
    void gradientsReachEveryParameterAndTheInput() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape grid = new Shape(2, 5, 6, 8);
            VitBlock block = small().optWindowSize(4).optRelativePosition(5, 6)
                    .optLayerScale(0.5f).build();
            block.initialize(m, DataType.FLOAT32, grid);
            fill(block, table(MlpBlock.Naming.TIMM, true, true));
            List<String> trainable = assertGradientsFlow(block, m.randomNormal(grid));
            assertEquals(16, trainable.size());
        }
    }

    @Test
    void runsInsideScopedForwardAndLeavesOnlyItsOutput() {
        Shape grid = new Shape(1, 5, 6, 8);
        try (NDManager m = NDManager.newBaseManager()) {
            VitBlock block = small().optWindowSize(4).optRelativePosition(5, 6).build();
            block.initialize(m, DataType.FLOAT32, grid);
            fill(block, table(MlpBlock.Naming.TIMM, false, true));
            int paramArrays = m.getManagedArrays().size();
            try (NDManager batch = m.newSubManager()) {
                NDArray x = input(batch, grid);
                NDArray direct = infer(block, x);
                int before = batch.getManagedArrays().size();
                NDArray y = ScopedForward.run(new NDList(x), false,
                        in -> block.forward(new ParameterStore(batch, false), in, false))
                        .singletonOrThrow();
                assertEquals(before + 1, batch.getManagedArrays().size());
                assertEquals(0.0, maxAbsDiff(direct, y));
                assertEquals(grid, block.getOutputShapes(new Shape[] {grid})[0]);
            }
            assertEquals(paramArrays, m.getManagedArrays().size());
        }
    }

    @Test
    void rejectsBadSettingsAndInput() {
        assertThrows(IllegalArgumentException.class, () -> small().optWindowSize(-1).build());
        assertThrows(IllegalArgumentException.class, () -> small().optNormEps(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> VitBlock.builder().setDim(8).setHeads(3).build());
        try (NDManager m = NDManager.newBaseManager()) {
            VitBlock windowed = small().optWindowSize(4).build();
            windowed.initialize(m, DataType.FLOAT32, new Shape(1, 4, 4, 8));
            NDArray tokens = m.zeros(new Shape(1, 16, 8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> infer(windowed, tokens));
            assertTrue(e.getMessage().contains("grid"), e.getMessage());
        }
    }
}
