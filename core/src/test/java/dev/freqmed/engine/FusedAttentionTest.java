package dev.freqmed.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/**
 * The fused attention kernel's known-answer check and mode setting ({@code
 * nn.DotProductAttentionTest} compares the kernel with the explicit path).
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
