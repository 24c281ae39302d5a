package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freqmed.io.ImageIo;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** HoVer-Net golden cases (family {@code hovernet_instance}). */
class InstanceSegmentationMetricsTest {

    @TestFactory
    Stream<DynamicTest> casesMatchHoverNetStats() {
        return Fixtures.cases("hovernet_instance").stream().map(c -> DynamicTest.dynamicTest(
                c.get("id").asText(), () -> {
                    JsonNode extra = c.get("params").get("pq_extra_match_iou");
                    InstanceSegmentationMetrics m = new InstanceSegmentationMetrics(
                            extra.isNull() ? Double.NaN : extra.asDouble());
                    for (JsonNode im : c.get("inputs").get("images")) {
                        m.update(InstanceMap.of(ImageIo.readGray(Fixtures.input(im.get("pred")))),
                                InstanceMap.of(ImageIo.readGray(Fixtures.input(im.get("true")))));
                    }
                    MetricResult r = m.result();
                    JsonNode exp = c.get("expected");
                    List<MetricResult> per = r.list("per_image");
                    assertEquals(exp.get("per_image").size(), per.size());
                    for (int i = 0; i < per.size(); i++) {
                        compare(c.get("id").asText() + "[" + i + "]", exp.get("per_image").get(i),
                                per.get(i));
                    }
                    if (exp.has("mean_over_images")) {
                        compare(c.get("id").asText() + " mean", exp.get("mean_over_images"),
                                r.nested("mean_over_images"));
                    }
                }));
    }

    /**
     * Values the reference leaves undefined (it raises) are compared with the documented choice
     * instead; every other value must equal the reference to 1e-12 relative.
     */
    private static void compare(String id, JsonNode exp, MetricResult r) {
        Iterator<Map.Entry<String, JsonNode>> it = exp.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            double actual = r.get(e.getKey());
            if (e.getValue().isNull()) {
                assertTrue(actual == 0.0 || Double.isNaN(actual),
                        id + " " + e.getKey()
                                + ": reference raised; expected the documented 0 or NaN, found "
                                + actual);
                continue;
            }
            Fixtures.close(id + " " + e.getKey(), e.getValue(), actual, 1e-12, 0);
        }
    }

    @Test
    void undefinedReferenceValuesFollowTheDocumentedChoice() {
        InstanceMap empty = new InstanceMap(4, 4, new int[16]);
        int[] one = new int[16];
        one[5] = 7;
        InstanceMap single = new InstanceMap(4, 4, one);
        MetricResult emptyPred = new InstanceSegmentationMetrics().compute(empty, single);
        assertEquals(0.0, emptyPred.get("aji"));
        assertEquals(0.0, emptyPred.get("dice_2"));
        MetricResult both = new InstanceSegmentationMetrics().compute(empty, empty);
        assertTrue(Double.isNaN(both.get("aji")));
        assertTrue(Double.isNaN(both.get("dice_2")));
        assertTrue(Double.isNaN(both.get("pq")));
    }

    @Test
    void anImageWithoutNucleiMakesTheReferenceMeanNaNAndIsLeftOutOfTheDefinedMean() {
        InstanceMap empty = new InstanceMap(4, 4, new int[16]);
        int[] truth = new int[16];
        int[] pred = new int[16];
        truth[5] = 3;
        truth[6] = 3;
        pred[5] = 9;
        InstanceSegmentationMetrics m = new InstanceSegmentationMetrics();
        MetricResult only = new InstanceSegmentationMetrics().compute(new InstanceMap(4, 4, pred),
                new InstanceMap(4, 4, truth));
        assertEquals(0.5, only.get("aji"), 1e-12);
        m.update(new InstanceMap(4, 4, pred), new InstanceMap(4, 4, truth));
        m.update(empty, empty);
        MetricResult r = m.result();
        assertTrue(Double.isNaN(r.nested("mean_over_images").get("aji")));
        MetricResult d = r.nested("mean_over_defined_images");
        assertEquals(0.5, d.get("aji"), 1e-12);
        assertEquals(only.get("dice_1"), d.get("dice_1"), 1e-12);
        assertEquals(1.0, d.get("pq_images"));
        InstanceSegmentationMetrics clean = new InstanceSegmentationMetrics();
        clean.update(new InstanceMap(4, 4, pred), new InstanceMap(4, 4, truth));
        assertTrue(!clean.result().has("mean_over_defined_images"), "only present when needed");
    }
}
