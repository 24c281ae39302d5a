package dev.freqmed.nn;

import static dev.freqmed.nn.NnTestSupport.assertGradientsFlow;
import static dev.freqmed.nn.NnTestSupport.assertMatches;
import static dev.freqmed.nn.NnTestSupport.fill;
import static dev.freqmed.nn.NnTestSupport.infer;
import static dev.freqmed.nn.NnTestSupport.input;
import static dev.freqmed.nn.NnTestSupport.w;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.freqmed.nn.NnTestSupport.Golden;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link MlpBlock} against torch 1.13: {@code Linear(6, 10)}, {@code F.gelu}, {@code Linear(10, 6)}
 * with the weights and input of {@link NnTestSupport}, input {@code (2, 5, 6)}. Values made once
 * with a small torch script following SAM's {@code MLPBlock}; tolerance 1e-5 on sampled values.
 */
class MlpBlockTest {

    static final Golden MLP = new Golden(new long[] {2, 5, 6},
            -3.89047371, 18.5299095, 0.189231012,
            new int[] {0, 1, 8, 20, 30, 40, 58, 59},
            new double[] {
                -0.243441164, 0.510222554, -0.357053995, -0.719823897, -0.0948347524, -0.435238242,
                -0.298711598, -0.0118503347});

    @Test
    void matchesTorchWithEitherNaming() {
        for (MlpBlock.Naming naming : MlpBlock.Naming.values()) {
            try (NDManager m = NDManager.newBaseManager()) {
                MlpBlock block = MlpBlock.builder().setDim(6).setHidden(10).optNaming(naming)
                        .build();
                Shape shape = new Shape(2, 5, 6);
                block.initialize(m, DataType.FLOAT32, shape);
                assertEquals(shape, block.getOutputShapes(new Shape[] {shape})[0]);
                String a = naming.first();
                String b = naming.second();
                fill(block, List.of(w(a + ".weight", .5), w(a + ".bias", .1),
                        w(b + ".weight", .5), w(b + ".bias", .1)));
                assertMatches(MLP, infer(block, input(m, shape)), 1e-5);
            }
        }
    }

    @Test
    void namesFollowTheReferences() {
        assertEquals("lin1", MlpBlock.Naming.SAM.first());
        assertEquals("lin2", MlpBlock.Naming.SAM.second());
        assertEquals("fc1", MlpBlock.Naming.TIMM.first());
        assertEquals("fc2", MlpBlock.Naming.TIMM.second());
    }

    @Test
    void gradientsReachEveryParameter() {
        try (NDManager m = NDManager.newBaseManager()) {
            MlpBlock block = MlpBlock.builder().setDim(4).setHidden(8).build();
            block.initialize(m, DataType.FLOAT32, new Shape(3, 4));
            List<String> trainable = assertGradientsFlow(block, m.randomNormal(new Shape(3, 4)));
            assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), trainable);
        }
    }

    @Test
    void rejectsBadSettingsAndInput() {
        assertThrows(IllegalArgumentException.class,
                () -> MlpBlock.builder().setDim(4).setHidden(0).build());
        try (NDManager m = NDManager.newBaseManager()) {
            MlpBlock block = MlpBlock.builder().setDim(4).setHidden(8).build();
            block.initialize(m, DataType.FLOAT32, new Shape(1, 4));
            NDArray wrong = m.zeros(new Shape(2, 5));
            assertThrows(IllegalArgumentException.class, () -> infer(block, wrong));
        }
    }
}
