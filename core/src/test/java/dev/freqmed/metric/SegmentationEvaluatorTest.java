package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The DJL evaluator adapter and the registry. */
class SegmentationEvaluatorTest {

    @Test
    void evaluatorAccumulatesLikeTheMetric() {
        float[] prob = {0.9f, 0.2f, 0.7f, 0.4f, 0.1f, 0.8f, 0.6f, 0.3f};
        float[] label = {1, 0, 0, 1, 0, 1, 1, 0};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDList p = new NDList(m.create(prob, new Shape(2, 1, 2, 2)));
            NDList l = new NDList(m.create(label, new Shape(2, 1, 2, 2)));
            SegmentationEvaluator e = new SegmentationEvaluator("dice", "mean_image_dice", 0.5);
            e.addAccumulator("val");
            e.updateAccumulator("val", l, p);
            e.updateAccumulator("val", l, p);
            BinarySegmentationMetrics ref = new BinarySegmentationMetrics();
            for (int k = 0; k < 2; k++) {
                ref.update(new float[] {0.9f, 0.2f, 0.7f, 0.4f}, new int[] {1, 0, 0, 1});
                ref.update(new float[] {0.1f, 0.8f, 0.6f, 0.3f}, new int[] {0, 1, 1, 0});
            }
            assertEquals((float) ref.result().get("mean_image_dice"), e.getAccumulator("val"));
            // image 1: tp 1, fp 1, fn 1 -> 0.5; image 2: tp 2 -> 1.0
            assertEquals(0.75f, e.getAccumulator("val"), 1e-7);
            assertEquals(0.75f, e.evaluate(l, p).getFloat(), 1e-7);
            e.resetAccumulator("val");
            assertTrue(Float.isNaN(e.getAccumulator("val")));
        }
    }

    @Test
    void registryKnowsEveryFamilyAndNamesTheValidOnes() {
        assertEquals(7, MetricRegistry.families().size());
        for (String f : MetricRegistry.families()) {
            MetricRegistry.create(f);
        }
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> MetricRegistry.create("nope"));
        assertTrue(ex.getMessage().contains("binary, sod"), ex.getMessage());
    }
}
