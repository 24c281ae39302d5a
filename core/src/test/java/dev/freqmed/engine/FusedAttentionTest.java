package dev.freqmed.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/**
 * The fused attention kernel as FreqMed loads it: its known-answer check on this machine, its
 * autograd node, and its agreement with the explicit formula on non-trivial data.
 */
class FusedAttentionTest {

    @Test
    void knownAnswerCheckSeesAWrongResult() {
        try (NDManager m = NDManager.newBaseManager()) {
            TaskResult ok = AttentionCheck.check(m, null);
            TaskResult wrong = AttentionCheck.check(m, "wrong");
            assertEquals("fail", wrong.status(), wrong.toString());
            assertTrue(wrong.worstError() > 100 * Math.max(ok.worstError(), 1e-7),
                    ok + " vs " + wrong);
            assertEquals(AttentionCheck.CASES.size() * KnownAnswerCheck.REPEATS, ok.cases());
        }
    }

    @Test
    void fusedKernelIsOneAutogradNodeAndMatchesTheFormula() {
        try (NDManager m = NDManager.newBaseManager()) {
            // The verdict of this machine's check decides whether the kernel may be trusted here.
            TaskResult verdict = AttentionCheck.check(m, null);
            assumeTrue(verdict.passed(), "fused attention is wrong on this machine: " + verdict);
            m.getEngine().setRandomSeed(5);
            NDArray q = m.randomNormal(new Shape(2, 3, 70, 16)).mul(2);
            NDArray k = m.randomNormal(new Shape(2, 3, 45, 16)).mul(2);
            NDArray v = m.randomNormal(new Shape(2, 3, 45, 16));
            NDArray g = m.randomNormal(new Shape(2, 3, 70, 16));
            NDArray[] fused = run(q, k, v, g, true);
            NDArray[] explicit = run(q, k, v, g, false);
            for (int i = 0; i < 4; i++) {
                assertTrue(explicit[i].abs().max().getFloat() > 0.1f, "non-trivial " + i);
                float diff = fused[i].sub(explicit[i]).abs().max().getFloat();
                assertTrue(diff < 1e-5f, "output/gradient " + i + " differs by " + diff);
            }
        }
    }

    private static NDArray[] run(NDArray q0, NDArray k0, NDArray v0, NDArray g, boolean fused) {
        NDArray q = q0.duplicate();
        NDArray k = k0.duplicate();
        NDArray v = v0.duplicate();
        q.setRequiresGradient(true);
        k.setRequiresGradient(true);
        v.setRequiresGradient(true);
        NDArray y;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            if (fused) {
                y = FusedAttention.attend(q, k, v);
                assertTrue(FusedAttention.gradientFunction(y).contains("ScaledDotProduct"),
                        FusedAttention.gradientFunction(y));
            } else {
                y = q.mul(0.25).matMul(k.transpose(0, 1, 3, 2)).softmax(-1).matMul(v);
            }
            gc.backward(y.mul(g).sum());
        }
        return new NDArray[] {y, q.getGradient(), k.getGradient(), v.getGradient()};
    }

    @Test
    void unknownModeIsRefusedWithTheSettingNamed() {
        String before = System.getProperty("freqmed.attention");
        System.setProperty("freqmed.attention", "quick");
        FusedAttention.forget();
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    FusedAttention::enabled);
            assertTrue(e.getMessage().contains("FREQMED_ATTENTION")
                    && e.getMessage().contains("'quick'"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty("freqmed.attention");
            } else {
                System.setProperty("freqmed.attention", before);
            }
            FusedAttention.forget();
        }
    }
}
