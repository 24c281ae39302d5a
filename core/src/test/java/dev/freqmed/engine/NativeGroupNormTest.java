package dev.freqmed.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freqmed.nn.GroupNormBlock;
import dev.freqmed.tensor.HostArrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The native group normalisation: its known-answer check, its agreement with the explicit
 * composition inside {@link GroupNormBlock} (forward and gradients, with and without SiLU, in
 * training and inference) and its mode setting.
 */
class NativeGroupNormTest {

    @Test
    void knownAnswerCheckSeesAWrongResult() {
        try (NDManager m = NDManager.newBaseManager()) {
            TaskResult ok = GroupNormCheck.check(m, null);
            TaskResult wrong = GroupNormCheck.check(m, "wrong");
            assertEquals("pass", ok.status(), ok.toString());
            assertEquals("fail", wrong.status(), wrong.toString());
            assertTrue(wrong.worstError() > 100 * Math.max(ok.worstError(), 1e-7),
                    ok + " vs " + wrong);
            assertTrue(wrong.worstCase().contains("grad x"), wrong.worstCase());
            assertEquals(GroupNormCheck.CASES.size() * KnownAnswerCheck.REPEATS, ok.cases());
        }
    }

    @Test
    void blockGivesTheSameOnBothPaths() {
        for (boolean silu : new boolean[] {false, true}) {
            float[][] nat = NativeGroupNorm.withNative(true, () -> run(silu, true));
            float[][] exp = NativeGroupNorm.withNative(false, () -> run(silu, true));
            // The two paths differ (SiLU or not), so the comparison can fail.
            float[][] other = NativeGroupNorm.withNative(true, () -> run(!silu, true));
            assertTrue(maxDiff(nat[0], other[0]) > 0.1, "SiLU changes nothing?");
            String[] names = {"forward", "grad x", "grad weight", "grad bias"};
            for (int i = 0; i < names.length; i++) {
                double d = maxDiff(nat[i], exp[i]);
                assertTrue(d < 2e-4 * (1 + maxAbs(exp[i])), names[i] + " silu=" + silu + ": "
                        + d);
            }
            float[][] inference = NativeGroupNorm.withNative(true, () -> run(silu, false));
            assertTrue(maxDiff(inference[0], exp[0]) < 2e-4 * (1 + maxAbs(exp[0])),
                    "inference, silu=" + silu);
        }
    }

    @Test
    void unknownModeIsRefusedWithTheSettingNamed() {
        String before = System.getProperty("freqmed.groupnorm");
        System.setProperty("freqmed.groupnorm", "fast");
        NativeGroupNorm.forget();
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    NativeGroupNorm::enabled);
            assertTrue(e.getMessage().contains("FREQMED_GROUPNORM")
                    && e.getMessage().contains("'fast'"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty("freqmed.groupnorm");
            } else {
                System.setProperty("freqmed.groupnorm", before);
            }
            NativeGroupNorm.forget();
        }
    }

    /** {y, dx, dweight, dbias} of sum(block(x) * g); gradients only when {@code training}. */
    private static float[][] run(boolean silu, boolean training) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            GroupNormBlock block = GroupNormBlock.builder().setGroups(4).setChannels(12)
                    .optEps(1e-6f).optSiluAfter(silu).build();
            Shape xs = new Shape(2, 12, 7, 9);
            block.initialize(m, DataType.FLOAT32, xs);
            Random r = new Random(11);
            block.getParameters().get("weight").getArray()
                    .set(HostArrays.of(m, gaussian(r, 12, 0.7, 1.3), new Shape(12)).toFloatArray());
            block.getParameters().get("bias").getArray()
                    .set(HostArrays.of(m, gaussian(r, 12, 0.4, -0.2), new Shape(12)).toFloatArray());
            NDArray x = HostArrays.of(m, gaussian(r, (int) xs.size(), 2.5, 0.8), xs);
            NDArray g = HostArrays.of(m, gaussian(r, (int) xs.size(), 1, 0), xs);
            if (!training) {
                NDArray y = block.forward(new ParameterStore(m, false), new NDList(x), false)
                        .singletonOrThrow();
                return new float[][] {y.toFloatArray()};
            }
            x.setRequiresGradient(true);
            for (var p : block.getParameters().values()) {
                p.getArray().setRequiresGradient(true);
            }
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = block.forward(new ParameterStore(m, false), new NDList(x), true)
                        .singletonOrThrow();
                gc.backward(y.mul(g).sum());
            }
            return new float[][] {y.toFloatArray(), x.getGradient().toFloatArray(),
                block.getParameters().get("weight").getArray().getGradient().toFloatArray(),
                block.getParameters().get("bias").getArray().getGradient().toFloatArray()};
        }
    }

    private static float[] gaussian(Random r, int n, double scale, double offset) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (offset + scale * r.nextGaussian());
        }
        return v;
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    private static double maxAbs(float[] a) {
        double d = 0;
        for (float v : a) {
            d = Math.max(d, Math.abs(v));
        }
        return d;
    }
}
