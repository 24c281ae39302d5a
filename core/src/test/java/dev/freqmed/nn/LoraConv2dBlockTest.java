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
import ai.djl.nn.convolutional.Conv2d;
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
 * {@link LoraConv2dBlock}.
 *
 * <p>Golden values: torch 1.13, PEFT's LoRA formula for convolutions written out
 * ({@code base(x) + B(A(x)) · alpha / r} with {@code A = Conv2d(3, 2, 3, stride 2, padding 1)},
 * {@code B = Conv2d(2, 4, 1)}, and the merged kernel {@code W + conv2d(A^T, B)^T · alpha / r} as
 * PEFT's {@code get_delta_weight}) for a base {@code Conv2d(3, 4, 3, stride 2, padding 1)}, rank 2,
 * alpha 4, with the formula weights ({@code base_layer.weight}, {@code base_layer.bias},
 * {@code lora_A.weight}, {@code lora_B.weight} as tensors 0 to 3) and input {@code (1, 3, 7, 7)}
 * of {@link NnTestSupport}. Tolerance 1e-5 on sampled values.
 */
class LoraConv2dBlockTest {

    static final Golden LORA_CONV = new Golden(new long[] {1, 4, 4, 4},
            5.95327967, 37.5628423, -1.50453577,
            new int[] {0, 1, 9, 21, 32, 42, 62, 63},
            new double[] {
                0.397959948, 0.642762363, 0.228292838, -0.603710532, -0.293860555, -0.0123782754,
                1.26540613, 0.285803318});
    static final Golden LORA_CONV_MERGED_WEIGHT = new Golden(new long[] {4, 3, 3, 3},
            -1.23729238, 36.6097531, 1.72257803,
            new int[] {0, 1, 15, 36, 54, 72, 106, 107},
            new double[] {
                0.125859499, 0.253206015, -0.157922983, 0.415917039, 0.279789746, 0.260288596,
                0.704216421, 0.710255682});
    static final Golden LORA_CONV_MERGED_OUT = new Golden(new long[] {1, 4, 4, 4},
            5.95328094, 37.5628437, -1.5045358,
            new int[] {0, 1, 9, 21, 32, 42, 62, 63},
            new double[] {
                0.397959918, 0.642762303, 0.228292882, -0.603710294, -0.293860495, -0.0123781562,
                1.26540625, 0.285803229});

    private static Conv2d conv(int out, int kernel, int stride, int padding) {
        return RoutedConv2d.routedBuilder().setFilters(out)
                .setKernelShape(new Shape(kernel, kernel)).optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding)).build();
    }

    private static LoraConv2dBlock lora(Conv2d base, LoraConfig config, long seed) {
        return LoraConv2dBlock.builder().setBase(base).setConfig(config)
                .setRandom(new Random(seed)).build();
    }

    private static Map<String, Parameter> params(LoraConv2dBlock b) {
        return StateDicts.parameters(b);
    }

    @Test
    void matchesPeftInTorchBeforeAndAfterMerge() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(1, 3, 7, 7);
            LoraConv2dBlock b = lora(conv(4, 3, 2, 1), LoraConfig.of(2, 4), 1);
            b.initialize(m, DataType.FLOAT32, shape);
            assertEquals(new Shape(2, 3, 3, 3), params(b).get("lora_A.weight").getArray()
                    .getShape());
            assertEquals(new Shape(4, 2, 1, 1), params(b).get("lora_B.weight").getArray()
                    .getShape());
            fill(b, List.of(w("base_layer.weight", .5), w("base_layer.bias", .1),
                    w("lora_A.weight", .5), w("lora_B.weight", .5)));
            NDArray x = input(m, shape);
            NDArray before = infer(b, x);
            assertEquals(new Shape(1, 4, 4, 4), b.getOutputShapes(new Shape[] {shape})[0]);
            assertMatches(LORA_CONV, before, 1e-5);
            b.merge();
            assertMatches(LORA_CONV_MERGED_WEIGHT, params(b).get("base_layer.weight").getArray(),
                    1e-5);
            assertMatches(LORA_CONV_MERGED_OUT, infer(b, x), 1e-5);
            assertTrue(maxAbsDiff(before, infer(b.getBase(), x)) <= 1e-5);
        }
    }

    @Test
    void freshAdapterGivesExactlyTheBaseOutputAndMergeKeepsTheOutput() {
        for (int kernel : new int[] {1, 3}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Shape shape = new Shape(2, 5, 9, 8);
                LoraConv2dBlock b = lora(conv(6, kernel, kernel == 1 ? 1 : 2, kernel / 2),
                        LoraConfig.of(3, 6), kernel);
                b.initialize(m, DataType.FLOAT32, shape);
                NDArray a = params(b).get("lora_A.weight").getArray();
                // kaiming_uniform_(a=sqrt(5)) bound 1/sqrt(fanIn), fanIn = 5 k^2.
                assertTrue(a.abs().max().getFloat() <= 1 / Math.sqrt(5.0 * kernel * kernel));
                NDArray x = m.randomNormal(shape);
                assertEquals(0.0, maxAbsDiff(infer(b.getBase(), x), infer(b, x)));

                params(b).get("lora_B.weight").getArray().set(
                        m.randomNormal(new Shape(6, 3, 1, 1)).toFloatArray());
                NDArray before = infer(b, x);
                assertTrue(maxAbsDiff(before, infer(b.getBase(), x)) > 0.1, "adapter is active");
                int arrays = m.getManagedArrays().size();
                b.merge();
                assertEquals(arrays, m.getManagedArrays().size());
                assertTrue(maxAbsDiff(before, infer(b, x)) <= 1e-5, "kernel " + kernel);
                // Merged, inference skips the adapter: a NaN in lora_A leaves the output alone.
                assertTrue(b.isMerged());
                NDArray a2 = params(b).get("lora_A.weight").getArray();
                a2.set(m.full(a2.getShape(), Float.NaN).toFloatArray());
                assertTrue(maxAbsDiff(before, infer(b, x)) <= 1e-5, "adapter skipped");
            }
        }
    }

    @Test
    void baseIsFrozenAndTheAdapterLearns() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(2, 3, 6, 6);
            LoraConv2dBlock b = lora(conv(4, 3, 1, 1), LoraConfig.of(2, 2), 3);
            b.initialize(m, DataType.FLOAT32, shape);
            params(b).get("lora_B.weight").getArray().set(
                    m.randomNormal(new Shape(4, 2, 1, 1)).toFloatArray());
            assertFalse(params(b).get("base_layer.weight").requiresGradient());
            List<String> trainable = assertGradientsFlow(b, m.randomNormal(shape));
            assertEquals(List.of("lora_A.weight", "lora_B.weight"), trainable);
            assertEquals(List.of("base_layer.weight", "base_layer.bias", "lora_A.weight",
                    "lora_B.weight"), new ArrayList<>(params(b).keySet()));
        }
    }

    @Test
    void runsInsideScopedForward() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(1, 3, 6, 6);
            LoraConv2dBlock b = lora(conv(4, 3, 1, 1), LoraConfig.of(2, 2), 3);
            b.initialize(m, DataType.FLOAT32, shape);
            try (NDManager batch = m.newSubManager()) {
                NDArray x = batch.randomNormal(shape);
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
    void rejectsDilatedOrGroupedBases() {
        Conv2d dilated = RoutedConv2d.routedBuilder().setFilters(4)
                .setKernelShape(new Shape(3, 3)).optDilation(new Shape(2, 2)).build();
        assertThrows(IllegalArgumentException.class,
                () -> lora(dilated, LoraConfig.of(2, 2), 1));
        Conv2d grouped = RoutedConv2d.routedBuilder().setFilters(4)
                .setKernelShape(new Shape(3, 3)).optGroups(2).build();
        assertThrows(IllegalArgumentException.class,
                () -> lora(grouped, LoraConfig.of(2, 2), 1));
    }
}
