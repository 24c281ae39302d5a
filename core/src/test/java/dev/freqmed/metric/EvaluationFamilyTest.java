package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every evaluation family through {@link MetricRegistry#family}: on folders built from the golden
 * cases of {@code testdata/metrics}, the report holds the fixtures' expected values at the same
 * keys (the same tolerances as the metric tests).
 */
class EvaluationFamilyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static JsonNode fixture(String family, String id) {
        return Fixtures.cases(family).stream().filter(c -> c.get("id").asText().equals(id))
                .findFirst().orElseThrow();
    }

    /** Copies the listed inputs into pred/ and gt/ as itemI.ext; returns {pred, gt}. */
    private Path[] folders(JsonNode list, String predKey, String gtKey) throws IOException {
        Path p = Files.createDirectories(tmp.resolve("pred"));
        Path g = Files.createDirectories(tmp.resolve("gt"));
        int i = 0;
        for (JsonNode n : list) {
            String ps = n.get(predKey).asText();
            String gs = n.get(gtKey).asText();
            Files.copy(Fixtures.input(n.get(predKey)), p.resolve("item" + i
                    + ps.substring(ps.lastIndexOf('.'))));
            Files.copy(Fixtures.input(n.get(gtKey)), g.resolve("item" + i
                    + gs.substring(gs.lastIndexOf('.'))));
            i++;
        }
        return new Path[] {p, g};
    }

    private static EvaluationRequest.Builder request(Path[] f) {
        return EvaluationRequest.builder().setPredictions(f[0]).setTruth(f[1]);
    }

    private static EvaluationReport evaluate(String family, EvaluationRequest.Builder b)
            throws IOException {
        EvaluationReport r = MetricRegistry.family(family).evaluate(b.build());
        assertEquals(family, r.family());
        assertEquals("task", r.values().keySet().iterator().next(), "first key");
        assertEquals(family, r.values().get("task"));
        assertFalse(r.summary().isEmpty());
        return r;
    }

    /** Every key of the expected object is present with an equal value (nulls skipped). */
    private static void sameValues(String where, JsonNode exp, JsonNode act, double rel) {
        if (exp.isNull()) {
            return;
        }
        if (exp.isObject()) {
            Iterator<String> it = exp.fieldNames();
            while (it.hasNext()) {
                String k = it.next();
                assertTrue(act.has(k), where + ": missing key " + k);
                sameValues(where + "." + k, exp.get(k), act.get(k), rel);
            }
        } else if (exp.isArray()) {
            assertEquals(exp.size(), act.size(), where + " length");
            for (int i = 0; i < exp.size(); i++) {
                sameValues(where + "[" + i + "]", exp.get(i), act.get(i), rel);
            }
        } else if (exp.isNumber() && act.isNumber()) {
            Fixtures.close(where, exp, act.asDouble(), rel, 0);
        } else if (!exp.isBoolean() || act.isBoolean()) {
            assertEquals(exp.asText(), act.asText(), where);
        }
    }

    @Test
    void everyFamilyIsRegisteredAndSaysWhatItReads() {
        assertEquals(List.of("binary", "sod", "instance", "nuclei-type", "fewshot", "fid", "kid"),
                List.copyOf(MetricRegistry.families()));
        for (String name : MetricRegistry.families()) {
            EvaluationFamily f = MetricRegistry.family(name);
            assertEquals(name, f.name());
            assertFalse(f.description().isBlank(), name);
            assertFalse(f.inputs().isBlank(), name);
            assertFalse(f.keys().isEmpty(), name);
            for (MetricKey k : f.keys()) {
                assertEquals(k.direction(), MetricRegistry.key(k.name()).direction(), k.name());
            }
        }
        assertEquals(Set.of(EvaluationRequest.Setting.PER_IMAGE, EvaluationRequest.Setting.CURVES),
                MetricRegistry.family("sod").settings());
    }

    @Test
    void unknownFamilyListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetricRegistry.family("segmentation"));
        assertTrue(e.getMessage().contains("'segmentation'")
                && e.getMessage().contains("binary, sod, instance, nuclei-type, fewshot, fid, kid"),
                e.getMessage());
    }

    @Test
    void binaryMatchesTheFrcuGoldenCase() throws IOException {
        JsonNode c = fixture("frcu_binary", "frcu_isic_4x256");
        EvaluationReport r = evaluate("binary", request(folders(c.get("inputs").get("pairs"),
                "pred", "gt")).optPerImage(true));
        sameValues("binary", c.get("expected"), JSON.valueToTree(r.values()), 1e-12);
        assertEquals("native", r.values().get("protocol"));
        EvaluationReport.Table t = r.perImage().orElseThrow();
        assertEquals(List.of("name", "dice", "iou"), t.columns());
        assertEquals(5, t.toCsv().split("\n").length);
        assertTrue(r.curves().isEmpty());
    }

    @Test
    void sodMatchesTheDatasetGoldenCaseWithRowsAndCurves() throws IOException {
        JsonNode c = fixture("sod_dataset", "sod_dataset_5");
        EvaluationReport r = evaluate("sod", request(folders(c.get("inputs").get("pairs"), "pred",
                "gt")).optPerImage(true).optCurves(true));
        JsonNode j = JSON.valueToTree(r.values());
        sameValues("sod", c.get("expected"), j, 1e-10);
        assertEquals(5, j.get("per_image").size());
        assertEquals(5, r.perImage().orElseThrow().rows().size());
        assertEquals(256, r.curves().orElseThrow().curve("curve_F").length);
    }

    @Test
    void instanceMatchesTheThreeImageGoldenCase() throws IOException {
        JsonNode c = fixture("hovernet_instance", "inst_3images_128");
        EvaluationReport r = evaluate("instance", request(folders(c.get("inputs").get("images"),
                "pred", "true")));
        sameValues("instance", c.get("expected"), JSON.valueToTree(r.values()), 1e-12);
        assertEquals(3, r.perImage().orElseThrow().rows().size());
    }

    @Test
    void nucleiTypeMatchesTheFourClassGoldenCase() throws IOException {
        JsonNode c = fixture("hovernet_type", "type_4cls_3img");
        EvaluationReport r = evaluate("nuclei-type", request(folders(c.get("inputs")
                .get("images"), "pred", "true")).optRadius(12.0));
        sameValues("type", c.get("expected"), JSON.valueToTree(r.values()), 1e-12);
        assertEquals(List.of("name", "paired", "unpaired_true", "unpaired_pred"),
                r.perImage().orElseThrow().columns());
    }

    @Test
    void fewshotMatchesTheFloat32GoldenCase() throws IOException {
        JsonNode c = fixture("faf_fewshot_dice", "faf_3vol_12x64");
        EvaluationReport r = evaluate("fewshot", request(folders(c.get("inputs").get("volumes"),
                "pred", "gt")));
        JsonNode e = c.get("expected");
        JsonNode j = JSON.valueToTree(r.values());
        for (String k : List.of("class_mean_dice", "pooled_dice", "pooled_iou", "TP", "FN")) {
            Fixtures.exact(k, e.get(k), (float) j.get(k).asDouble());
        }
    }

    @Test
    void fidAndKidMatchTheirGoldenCases() throws IOException {
        JsonNode fid = fixture("fid", "fid_200v150_d64");
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.copy(Fixtures.input(fid.get("inputs").get("feats1")), a.resolve("f.csv"));
        Files.copy(Fixtures.input(fid.get("inputs").get("feats2")), b.resolve("f.csv"));
        EvaluationReport r = evaluate("fid", request(new Path[] {a, b}));
        Fixtures.close("fid", fid.get("expected").get("fid"), (double) r.values().get("fid"),
                1e-8, 0);
        assertEquals(200, r.values().get("samples_pred"));
        assertTrue(r.perImage().isEmpty());

        JsonNode kid = fixture("kid", "kid_subsets_200v150_d64");
        Path c = Files.createDirectories(tmp.resolve("c"));
        Path d = Files.createDirectories(tmp.resolve("d"));
        Files.copy(Fixtures.input(kid.get("inputs").get("feats1")), c.resolve("f.csv"));
        Files.copy(Fixtures.input(kid.get("inputs").get("feats2")), d.resolve("f.csv"));
        r = evaluate("kid", request(new Path[] {c, d}).optKidSubsets(10).optKidSubsetSize(100)
                .optSeed(123L));
        Fixtures.close("kid", kid.get("expected").get("kid"), (double) r.values().get("kid"),
                1e-10, 0);
    }

    @Test
    void aSettingTheFamilyDoesNotReadIsRefused() throws IOException {
        Path[] f = {tmp, tmp};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetricRegistry.family("binary").evaluate(request(f).optCurves(true)
                        .build()));
        assertTrue(e.getMessage().contains("'curves'") && e.getMessage().contains("binary")
                && e.getMessage().contains("threshold, protocol, size, per-image"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MetricRegistry.family("fid")
                .evaluate(request(f).optPerImage(true).build()));
        assertTrue(e.getMessage().contains("'per-image'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MetricRegistry.family("sod")
                .evaluate(request(f).optProtocol(BinaryProtocol.REFERENCE).build()));
        assertTrue(e.getMessage().contains("'protocol'"), e.getMessage());
    }
}
