package dev.freqmed.nn;

import static dev.freqmed.nn.NnTestSupport.assertGradientsFlow;
import static dev.freqmed.nn.NnTestSupport.assertMatches;
import static dev.freqmed.nn.NnTestSupport.fill;
import static dev.freqmed.nn.NnTestSupport.infer;
import static dev.freqmed.nn.NnTestSupport.input;
import static dev.freqmed.nn.NnTestSupport.w;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.freqmed.nn.ScopedForward;
import dev.freqmed.io.StateDicts;
import dev.freqmed.nn.NnTestSupport.Golden;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SqueezeExcitationBlock} against torch 1.13 ({@code adaptive_avg_pool2d}, 1×1
 * {@code Conv2d(6, 3)}, ReLU, 1×1 {@code Conv2d(3, 6)}, sigmoid, product, as torchvision's
 * {@code SqueezeExcitation}) with the formula weights and input {@code (2, 6, 4, 5)} of
 * {@link NnTestSupport}. Tolerance 1e-5 on sampled values.
 */
class SqueezeExcitationBlockTest {

    static final Golden SE = new Golden(new long[] {2, 6, 4, 5},
            0.476492361, 74.6045298, 0.579057584,
            new int[] {0, 1, 34, 80, 120, 160, 238, 239},
            new double[] {
                0.253468126, 0.521871269, 0.0116958153, -0.423442483, 0.132979006, 0.451777279,
                -0.155390784, -0.478217602});

    private static SqueezeExcitationBlock block(NDManager m, Shape input) {
        SqueezeExcitationBlock b = SqueezeExcitationBlock.builder().setChannels(6)
                .setSqueezeChannels(3).build();
        b.initialize(m, DataType.FLOAT32, input);
        return b;
    }

    @Test
    void matchesTorchWithTorchvisionKeys() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(2, 6, 4, 5);
            SqueezeExcitationBlock b = block(m, shape);
            assertEquals(new Shape(3, 6, 1, 1),
                    StateDicts.parameters(b).get("fc1.weight").getArray().getShape());
            fill(b, List.of(w("fc1.weight", .5), w("fc1.bias", .1), w("fc2.weight", .5),
                    w("fc2.bias", .1)));
            assertEquals(shape, b.getOutputShapes(new Shape[] {shape})[0]);
            assertMatches(SE, infer(b, input(m, shape)), 1e-5);
        }
    }

    /** Each channel is multiplied by one factor in (0, 1) per sample. */
    @Test
    void gatesEachChannelByOneFactorBetweenZeroAndOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(2, 6, 3, 3);
            SqueezeExcitationBlock b = block(m, shape);
            NDArray x = m.randomUniform(0.5f, 1.5f, shape);
            NDArray ratio = infer(b, x).div(x).reshape(2, 6, 9);
            assertTrue(ratio.min().getFloat() > 0 && ratio.max().getFloat() < 1);
            NDArray spread = ratio.max(new int[] {2}).sub(ratio.min(new int[] {2}));
            assertTrue(spread.max().getFloat() < 1e-6, "one factor per channel");
        }
    }

    @Test
    void gradientsReachEveryParameterAndTheInput() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(2, 6, 4, 5);
            SqueezeExcitationBlock b = block(m, shape);
            List<String> trainable = assertGradientsFlow(b, m.randomNormal(shape));
            assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), trainable);
        }
    }

    @Test
    void runsInsideScopedForward() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(1, 6, 4, 4);
            SqueezeExcitationBlock b = block(m, shape);
            try (NDManager batch = m.newSubManager()) {
                NDArray x = batch.randomNormal(shape);
                NDArray direct = infer(b, x);
                int before = batch.getManagedArrays().size();
                NDArray y = ScopedForward.run(new NDList(x), false,
                        in -> b.forward(new ParameterStore(batch, false), in, false))
                        .singletonOrThrow();
                assertEquals(before + 1, batch.getManagedArrays().size());
                assertEquals(0f, y.sub(direct).abs().max().getFloat());
            }
        }
    }

    @Test
    void rejectsBadSettingsAndInput() {
        assertThrows(IllegalArgumentException.class,
                () -> SqueezeExcitationBlock.builder().setChannels(6).build());
        try (NDManager m = NDManager.newBaseManager()) {
            SqueezeExcitationBlock b = block(m, new Shape(1, 6, 2, 2));
            NDArray wrong = m.zeros(new Shape(1, 5, 2, 2));
            assertThrows(IllegalArgumentException.class, () -> infer(b, wrong));
            assertEquals(new ArrayList<>(List.of("fc1.weight", "fc1.bias", "fc2.weight",
                    "fc2.bias")), new ArrayList<>(StateDicts.parameters(b).keySet()));
        }
    }
}
