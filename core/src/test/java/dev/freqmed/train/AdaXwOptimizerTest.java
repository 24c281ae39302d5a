package dev.freqmed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.Tracker;
import com.fasterxml.jackson.databind.JsonNode;
import dev.freqmed.model.fsanet.TrainingFixture;
import org.junit.jupiter.api.Test;

class AdaXwOptimizerTest {

    @Test
    void threeStepsMatchReferenceOptimiser() throws Exception {
        JsonNode f = TrainingFixture.root().get("adaxw");
        try (NDManager m = NDManager.newBaseManager()) {
            AdaXwOptimizer opt = AdaXwOptimizer.builder()
                    .optLearningRateTracker(Tracker.fixed((float) f.get("lr").asDouble()))
                    .optDecoupledWeightDecay((float) f.get("weight_decay").asDouble())
                    .optClamp((float) f.get("clamp").asDouble())
                    .build();
            NDArray w = TrainingFixture.array(m, f.get("initial"));
            for (int s = 0; s < 3; s++) {
                opt.update("w", w, TrainingFixture.array(m, f.get("grads").get(s)));
                float[] want = TrainingFixture.array(m, f.get("after").get(s)).toFloatArray();
                float[] got = w.toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-6, "step " + (s + 1) + " element " + i);
                }
            }
            assertEquals(3, opt.steps().get("w"));
        }
    }
}
