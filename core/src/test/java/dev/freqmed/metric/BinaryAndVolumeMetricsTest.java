package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** FRCU-Net ({@code frcu_binary}) and FAF-Net ({@code faf_fewshot_dice}) golden cases. */
class BinaryAndVolumeMetricsTest {

    @TestFactory
    Stream<DynamicTest> frcuCasesMatchTheReferenceScript() {
        return Fixtures.cases("frcu_binary").stream().map(c -> DynamicTest.dynamicTest(
                c.get("id").asText(), () -> {
                    String id = c.get("id").asText();
                    BinarySegmentationMetrics m = new BinarySegmentationMetrics();
                    for (JsonNode p : c.get("inputs").get("pairs")) {
                        m.update(ImageIo.readGray(Fixtures.input(p.get("pred"))),
                                ImageIo.readGray(Fixtures.input(p.get("gt"))));
                    }
                    MetricResult r = m.result();
                    JsonNode e = c.get("expected");
                    assertEquals(e.get("confusion").toString(), new ObjectMapper()
                            .writeValueAsString(r.toTree().get("confusion")), id + " confusion");
                    for (String k : List.of("auc_roc", "accuracy", "specificity", "sensitivity",
                            "precision", "f1", "jaccard_score", "jaccard_similarity_score_legacy",
                            "mean_image_dice", "mean_image_iou")) {
                        Fixtures.close(id + " " + k, e.get(k), r.get(k), 1e-12, 0);
                    }
                    Fixtures.curve(id + " per_image_dice", e.get("per_image_dice"),
                            r.curve("per_image_dice"), 1e-12);
                    Fixtures.curve(id + " per_image_iou", e.get("per_image_iou"),
                            r.curve("per_image_iou"), 1e-12);
                }));
    }

    @TestFactory
    Stream<DynamicTest> fafCasesMatchTheReferenceScoresInFloat32() {
        return Fixtures.cases("faf_fewshot_dice").stream().map(c -> DynamicTest.dynamicTest(
                c.get("id").asText(), () -> {
                    String id = c.get("id").asText();
                    VolumeDiceScore m = new VolumeDiceScore();
                    for (JsonNode v : c.get("inputs").get("volumes")) {
                        m.update(labels(ImageIo.readGray(Fixtures.input(v.get("pred")))),
                                labels(ImageIo.readGray(Fixtures.input(v.get("gt")))));
                    }
                    MetricResult r = m.result();
                    JsonNode e = c.get("expected");
                    for (String k : List.of("class_mean_dice", "class_mean_iou", "pooled_dice",
                            "pooled_iou", "TP", "FP", "FN", "TN")) {
                        Fixtures.exact(id + " " + k, e.get(k), (float) r.get(k));
                    }
                    for (String k : List.of("patient_dice", "patient_iou")) {
                        double[] a = r.curve(k);
                        assertEquals(e.get(k).size(), a.length);
                        for (int i = 0; i < a.length; i++) {
                            Fixtures.exact(id + " " + k + i, e.get(k).get(i), (float) a[i]);
                        }
                    }
                }));
    }

    /** Stacked-slice PNG volume: label 1 where the pixel is 255. */
    private static int[] labels(GrayImage g) {
        int[] out = new int[g.data().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = g.data()[i] == 255 ? 1 : 0;
        }
        return out;
    }

    @Test
    void probabilityAndByteInputsAgreeAtTheDefaultThreshold() {
        int[] bytes = {0, 127, 128, 255};
        float[] prob = {0f, 127 / 255f, 128 / 255f, 1f};
        int[] truth = {0, 1, 1, 0};
        BinarySegmentationMetrics a = new BinarySegmentationMetrics();
        a.updateScaled(bytes, 255, new int[] {0, 255, 255, 0}, 255);
        BinarySegmentationMetrics b = new BinarySegmentationMetrics();
        b.update(prob, truth);
        // {TN, FP, FN, TP}: byte 0 vs 0, 127 vs 255, 128 vs 255, 255 vs 0
        assertArrayEquals(new long[] {1, 1, 1, 1}, a.confusion());
        assertArrayEquals(a.confusion(), b.confusion());
    }

    @Test
    void zeroOneMasksCountNonZeroAsForeground() {
        // A 2x3 prediction (bytes) against the same mask stored 0/255 and 0/1: equal counts.
        GrayImage pred = new GrayImage(3, 2, 8, new int[] {255, 200, 0, 0, 255, 10});
        GrayImage mask255 = new GrayImage(3, 2, 8, new int[] {255, 0, 0, 255, 255, 0});
        GrayImage mask01 = new GrayImage(3, 2, 8, new int[] {1, 0, 0, 1, 1, 0});
        BinarySegmentationMetrics a = new BinarySegmentationMetrics();
        a.update(pred, mask255);
        BinarySegmentationMetrics b = new BinarySegmentationMetrics();
        b.update(pred, mask01);
        // {TN, FP, FN, TP}: TP at 0 and 4, FP at 1, FN at 3, TN at 2 and 5
        assertArrayEquals(new long[] {2, 1, 1, 2}, a.confusion());
        assertArrayEquals(a.confusion(), b.confusion());
        assertEquals(2.0 / 3.0, b.result().get("f1"), 1e-15);
    }
}
