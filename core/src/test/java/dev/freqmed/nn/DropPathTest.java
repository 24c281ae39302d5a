package dev.freqmed.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Stochastic depth drops whole samples, keeps the expectation and is the identity at inference. */
class DropPathTest {

    @Test
    void dropsWholeSamplesAndRescalesTheKeptOnes() {
        Engine.getInstance().setRandomSeed(7);
        try (NDManager m = NDManager.newBaseManager()) {
            int n = 4000;
            NDArray branch = m.ones(new Shape(n, 3, 2, 2));
            float[] out = DropPath.apply(branch, 0.25, true).toFloatArray();
            int kept = 0;
            for (int i = 0; i < n; i++) {
                float first = out[i * 12];
                for (int j = 1; j < 12; j++) {
                    assertEquals(first, out[i * 12 + j], "sample " + i + " is dropped or kept whole");
                }
                if (first != 0f) {
                    assertEquals(1 / 0.75f, first, 1e-6f, "kept samples are scaled by 1/(1-rate)");
                    kept++;
                }
            }
            double keptFraction = kept / (double) n;
            // 4000 Bernoulli(0.75) draws: the standard deviation of the fraction is 0.0068.
            assertTrue(Math.abs(keptFraction - 0.75) < 0.04, "kept fraction " + keptFraction);
        }
    }

    @Test
    void isTheIdentityAtInferenceAndAtRateZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray branch = m.randomNormal(new Shape(5, 7));
            assertSame(branch, DropPath.apply(branch, 0.5, false));
            assertSame(branch, DropPath.apply(branch, 0, true));
            assertArrayEquals(branch.toFloatArray(), DropPath.apply(branch, 0.5, false).toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> DropPath.apply(branch, 1.0, true));
            assertThrows(IllegalArgumentException.class, () -> DropPath.apply(branch, -0.1, true));
        }
    }

    @Test
    void aVitBlockWithDropPathChangesTrainingOutputsOnly() {
        Engine.getInstance().setRandomSeed(11);
        try (NDManager m = NDManager.newBaseManager()) {
            VitBlock plain = VitBlock.builder().setDim(16).setHeads(2).build();
            assertThrows(IllegalArgumentException.class,
                    () -> VitBlock.builder().setDim(16).setHeads(2).optDropPath(1.5).build());
            VitBlock dropping = VitBlock.builder().setDim(16).setHeads(2).optDropPath(0.5).build();
            Shape s = new Shape(64, 3, 16);
            plain.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, s);
            dropping.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, s);
            dropping.getParameters().forEach(p -> p.getValue().getArray().set(
                    new ai.djl.ndarray.index.NDIndex("..."),
                    plain.getParameters().get(p.getKey()).getArray()));
            NDArray x = m.randomNormal(s);
            var ps = new ai.djl.training.ParameterStore(m, false);
            float[] a = plain.forward(ps, new ai.djl.ndarray.NDList(x), false).head().toFloatArray();
            float[] b = dropping.forward(ps, new ai.djl.ndarray.NDList(x), false).head().toFloatArray();
            assertArrayEquals(a, b, 1e-6f, "no drop path at inference");
            float[] t = dropping.forward(ps, new ai.djl.ndarray.NDList(x), true).head().toFloatArray();
            int differ = 0;
            for (int i = 0; i < t.length; i++) {
                differ += Math.abs(t[i] - a[i]) > 1e-4 ? 1 : 0;
            }
            assertTrue(differ > t.length / 4, "training output differs in " + differ + " of " + t.length);
        }
    }
}
