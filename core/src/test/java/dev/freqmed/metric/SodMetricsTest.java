package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** PySODMetrics golden cases (families {@code sod} and {@code sod_dataset}). */
class SodMetricsTest {

    /** Relative tolerance of the README for S-measure, wF-measure and MAE. */
    private static final double SUMS = 1e-10;
    /** Counting metrics (curves, adaptive values): exact up to summation order. */
    private static final double COUNTS = 1e-12;

    @TestFactory
    Stream<DynamicTest> singleImageCasesMatchPySodMetrics() {
        return Fixtures.cases("sod").stream().map(c -> DynamicTest.dynamicTest(
                c.get("id").asText(), () -> {
                    SodMetrics m = new SodMetrics();
                    m.update(read(c.get("inputs").get("pred")), read(c.get("inputs").get("gt")));
                    check(c.get("id").asText(), c.get("expected"), m.result());
                }));
    }

    @TestFactory
    Stream<DynamicTest> datasetCasesMatchPySodMetrics() {
        return Fixtures.cases("sod_dataset").stream().map(c -> DynamicTest.dynamicTest(
                c.get("id").asText(), () -> {
                    JsonNode pairs = c.get("inputs").get("pairs");
                    List<SaliencyPair> list = new ArrayList<>();
                    for (JsonNode p : pairs) {
                        list.add(SaliencyPair.of(read(p.get("pred")), read(p.get("gt"))));
                    }
                    SodMetrics m = new SodMetrics();
                    SodMetrics.evaluateAll(list.size(), list::get).forEach(m::add);
                    check(c.get("id").asText(), c.get("expected"), m.result());
                }));
    }

    @Test
    void reusedScratchArraysGiveTheSameValuesAsFreshOnes() throws IOException {
        // Every single-image case, forwards then backwards, so that workspaces sized for larger
        // images are reused for smaller ones (and different shapes) by the parallel evaluation.
        List<SaliencyPair> list = new ArrayList<>();
        for (JsonNode c : Fixtures.cases("sod")) {
            list.add(SaliencyPair.of(read(c.get("inputs").get("pred")),
                    read(c.get("inputs").get("gt"))));
        }
        for (int i = list.size() - 1; i >= 0; i--) {
            list.add(list.get(i));
        }
        List<SodMetrics.ImageResult> all = SodMetrics.evaluateAll(list.size(), list::get);
        for (int i = 0; i < list.size(); i++) {
            SodMetrics.ImageResult fresh = SodMetrics.evaluate(list.get(i));
            SodMetrics.ImageResult reused = all.get(i);
            assertEquals(fresh.mae(), reused.mae(), 0, "MAE of pair " + i);
            assertEquals(fresh.smeasure(), reused.smeasure(), 0, "S of pair " + i);
            assertEquals(fresh.wfmeasure(), reused.wfmeasure(), 0, "wF of pair " + i);
            assertEquals(fresh.hce(), reused.hce(), 0, "HCE of pair " + i);
        }
    }

    @TestFactory
    Stream<DynamicTest> singleMetricClassesAgreeWithTheCombinedOne() {
        JsonNode c = Fixtures.cases("sod_dataset").get(0);
        return Stream.of(new MeanAbsoluteError(), new StructureMeasure(), new WeightedFMeasure(),
                new EnhancedAlignmentMeasure(), new FMeasure(), new HumanCorrectionEffort())
                .map(metric -> DynamicTest.dynamicTest(metric.getClass().getSimpleName(), () -> {
                    for (JsonNode p : c.get("inputs").get("pairs")) {
                        metric.update(read(p.get("pred")), read(p.get("gt")));
                    }
                    MetricResult r = metric.result();
                    for (String k : r.scalars().keySet()) {
                        Fixtures.close(k, c.get("expected").get(k), r.get(k), SUMS, 0);
                    }
                    metric.reset();
                    assertTrue(metric.result().scalars().values().stream()
                            .allMatch(v -> Double.isNaN(v)), "reset forgets every image");
                }));
    }

    @Test
    void conversionFollowsMapminmaxAndRejectsNonBytes() {
        SaliencyPair constant = SaliencyPair.of(new int[] {51, 51}, new int[] {0, 255}, 2, 1);
        assertEquals(0.2, constant.pred()[0], 0.0);
        int[] gt = {0, 255, 255};
        SaliencyPair ranged = SaliencyPair.of(new int[] {51, 102, 153}, gt, 3, 1);
        assertEquals(0.0, ranged.pred()[0], 0.0);
        double expected = (102 / 255.0 - 51 / 255.0) / (153 / 255.0 - 51 / 255.0);
        assertEquals(expected, ranged.pred()[1], 0.0);
        assertEquals(1.0, ranged.pred()[2], 0.0);
        assertEquals(2, ranged.foreground());
        assertThrows(IllegalArgumentException.class,
                () -> SaliencyPair.of(new int[] {300}, new int[] {0}, 1, 1));
    }

    static GrayImage read(JsonNode path) throws IOException {
        return ImageIo.readGray(Fixtures.input(path));
    }

    static void check(String id, JsonNode exp, MetricResult r) {
        for (String k : List.of("MAE", "Smeasure", "wFmeasure")) {
            Fixtures.close(id + " " + k, exp.get(k), r.get(k), SUMS, 0);
        }
        for (String k : List.of("adpE", "meanE", "maxE", "adpF", "meanF", "maxF")) {
            Fixtures.close(id + " " + k, exp.get(k), r.get(k), COUNTS, 0);
        }
        Fixtures.exact(id + " HCE", exp.get("HCE"), r.get("HCE"));
        for (String k : List.of("curve_E", "curve_F", "curve_precision", "curve_recall")) {
            Fixtures.curve(id + " " + k, exp.get(k), r.curve(k), COUNTS);
        }
    }
}
