package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code freqmed evaluate} in-process on folders built from the golden fixtures of
 * {@code testdata/metrics}: the JSON must hold the fixtures' expected values at the same keys.
 */
class EvaluateCommandTest {

    @TempDir
    Path tmp;

    private static JsonNode cases;

    private static Path fixtures() {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.isRegularFile(p.resolve("testdata/metrics/cases.json"))) {
            p = p.getParent();
        }
        return p.resolve("testdata/metrics");
    }

    private static JsonNode fixture(String id) throws IOException {
        if (cases == null) {
            cases = new ObjectMapper().readTree(fixtures().resolve("cases.json").toFile());
        }
        for (JsonNode c : cases.get("cases")) {
            if (c.get("id").asText().equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException(id);
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), args);
        return new Run(code, o.toString(), e.toString());
    }

    /** Copies listed inputs into pred/ and gt/ as NAME_i.ext. */
    private Path[] folders(JsonNode list, String predKey, String gtKey) throws IOException {
        Path p = Files.createDirectories(tmp.resolve("pred"));
        Path g = Files.createDirectories(tmp.resolve("gt"));
        int i = 0;
        for (JsonNode n : list) {
            String ps = n.get(predKey).asText();
            String gs = n.get(gtKey).asText();
            Files.copy(fixtures().resolve(ps), p.resolve("item" + i
                    + ps.substring(ps.lastIndexOf('.'))));
            Files.copy(fixtures().resolve(gs), g.resolve("item" + i
                    + gs.substring(gs.lastIndexOf('.'))));
            i++;
        }
        return new Path[] {p, g};
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
        } else if (exp.isNumber()) {
            double e = exp.asDouble();
            double a = act.asDouble();
            assertTrue(Math.abs(a - e) <= rel * Math.abs(e), where + ": expected " + e + ", found "
                    + a);
        } else if (exp.isTextual() && act.isNumber()) {
            fail(where, exp, act);
        } else if (!exp.isBoolean() || act.isBoolean()) {
            assertEquals(exp.asText(), act.asText(), where);
        }
    }

    private static void fail(String where, JsonNode e, JsonNode a) {
        throw new AssertionError(where + ": expected " + e + ", found " + a);
    }

    private JsonNode evaluate(String task, Path[] f, String... extra) throws IOException {
        Path json = tmp.resolve("metrics.json");
        List<String> args = new ArrayList<>(List.of("evaluate", "--task", task, "--pred",
                f[0].toString(), "--gt", f[1].toString(), "--out", json.toString()));
        args.addAll(List.of(extra));
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("freqmed evaluate --task " + task), r.out());
        return new ObjectMapper().readTree(json.toFile());
    }

    @Test
    void binaryWritesTheFrcuKeysAndExplainsTheLegacyJaccard() throws IOException {
        JsonNode c = fixture("frcu_isic_4x256");
        Path[] f = folders(c.get("inputs").get("pairs"), "pred", "gt");
        Path csv = tmp.resolve("per_image.csv");
        JsonNode j = evaluate("binary", f, "--per-image", csv.toString());
        sameValues("binary", c.get("expected"), j, 1e-12);
        assertEquals(5, Files.readAllLines(csv).size());
        Run r = run("evaluate", "--task", "binary", "--pred", f[0].toString(), "--gt",
                f[1].toString());
        assertTrue(r.out().contains("legacy 'jaccard' of FRCU-Net (= accuracy)"), r.out());
        assertTrue(r.out().contains("IoU (jaccard_score"), r.out());
    }

    @Test
    void sodWritesDatasetValuesCurvesAndPlots() throws IOException {
        JsonNode c = fixture("sod_dataset_5");
        Path[] f = folders(c.get("inputs").get("pairs"), "pred", "gt");
        Path curves = tmp.resolve("curves");
        JsonNode j = evaluate("sod", f, "--curves", curves.toString());
        sameValues("sod", c.get("expected"), j, 1e-10);
        assertEquals(5, j.get("per_image").size());
        for (String n : List.of("pr_curve.csv", "e_curve.csv", "pr_curve.png", "fe_curve.png")) {
            assertTrue(Files.size(curves.resolve(n)) > 100, n);
        }
        assertEquals(257, Files.readAllLines(curves.resolve("pr_curve.csv")).size());
    }

    @Test
    void instanceWritesPerImageAndMeans() throws IOException {
        JsonNode c = fixture("inst_3images_128");
        Path[] f = folders(c.get("inputs").get("images"), "pred", "true");
        sameValues("instance", c.get("expected"), evaluate("instance", f), 1e-12);
    }

    @Test
    void nucleiTypeWritesF1PerType() throws IOException {
        JsonNode c = fixture("type_4cls_3img");
        Path[] f = folders(c.get("inputs").get("images"), "pred", "true");
        sameValues("type", c.get("expected"), evaluate("nuclei-type", f, "--radius", "12"), 1e-12);
    }

    @Test
    void fewshotScoresStackedPngVolumes() throws IOException {
        JsonNode c = fixture("faf_3vol_12x64");
        Path[] f = folders(c.get("inputs").get("volumes"), "pred", "gt");
        JsonNode j = evaluate("fewshot", f);
        JsonNode e = c.get("expected");
        for (String k : List.of("class_mean_dice", "pooled_dice", "pooled_iou", "TP", "FN")) {
            assertEquals((float) e.get(k).asDouble(), (float) j.get(k).asDouble(), k);
        }
    }

    @Test
    void fidAndKidReadFeatureFolders() throws IOException {
        JsonNode c = fixture("kid_subsets_200v150_d64");
        Path p = Files.createDirectories(tmp.resolve("f1"));
        Path g = Files.createDirectories(tmp.resolve("f2"));
        Files.copy(fixtures().resolve(c.get("inputs").get("feats1").asText()), p.resolve("a.csv"));
        Files.copy(fixtures().resolve(c.get("inputs").get("feats2").asText()), g.resolve("a.csv"));
        JsonNode j = evaluate("kid", new Path[] {p, g}, "--kid-subsets", "10",
                "--kid-subset-size", "100", "--seed", "123");
        assertEquals(c.get("expected").get("kid").asDouble(), j.get("kid").asDouble(),
                1e-10 * c.get("expected").get("kid").asDouble());
        JsonNode fid = evaluate("fid", new Path[] {p, g});
        assertTrue(fid.get("fid").asDouble() > 0);
    }

    @Test
    void badInputsGiveOneClearErrorNamingTheFile() throws IOException {
        Path p = Files.createDirectories(tmp.resolve("p"));
        Path g = Files.createDirectories(tmp.resolve("g"));
        Run r = run("evaluate", "--task", "binary", "--pred", p.toString(), "--gt", g.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(p.toString()) && r.err().contains("no mask files"), r.err());

        Path in = fixtures().resolve("inputs");
        Files.copy(in.resolve("frcu_boundary_1x100_0_pred.png"), p.resolve("a.png"));
        Files.copy(in.resolve("frcu_isic_4x256_0_gt.png"), g.resolve("a.png"));
        r = run("evaluate", "--task", "binary", "--pred", p.toString(), "--gt", g.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("a.png") && r.err().contains("size mismatch"), r.err());

        Files.copy(in.resolve("frcu_isic_4x256_0_pred.png"), p.resolve("b.png"));
        r = run("evaluate", "--task", "binary", "--pred", p.toString(), "--gt", g.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("b.png") && r.err().contains("without ground truth"), r.err());

        Files.copy(in.resolve("frcu_isic_4x256_0_pred.png"), g.resolve("b.png"));
        Files.delete(p.resolve("a.png"));
        Files.delete(g.resolve("a.png"));
        r = run("evaluate", "--task", "sod", "--pred", p.toString(), "--gt", g.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("b.png") && r.err().contains("binary mask"), r.err());

        Path ip = Files.createDirectories(tmp.resolve("ip"));
        Path ig = Files.createDirectories(tmp.resolve("ig"));
        Path formats = fixtures().resolveSibling("instance-formats");
        Files.copy(formats.resolve("inst_noncontig_ids_128_true.npy"), ip.resolve("x.npy"));
        byte[] bytes = Files.readAllBytes(formats.resolve("inst_noncontig_ids_128_true.npy"));
        bytes[bytes.length - 2] = 1;
        Files.write(ig.resolve("x.npy"), bytes);
        r = run("evaluate", "--task", "instance", "--pred", ip.toString(), "--gt", ig.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("x.npy") && r.err().contains("16 bits"), r.err());

        r = run("evaluate", "--task", "nope", "--pred", ip.toString(), "--gt", ig.toString());
        assertEquals(2, r.code());
    }

    @Test
    void binaryProtocolIsAnOptionAndTheJsonSaysWhichWasUsed() throws IOException {
        JsonNode c = fixture("frcu_isic_4x256");
        Path[] f = folders(c.get("inputs").get("pairs"), "pred", "gt");
        assertEquals("native", evaluate("binary", f).get("protocol").asText());
        JsonNode ref = evaluate("binary", f, "--protocol", "reference", "--size", "128");
        assertEquals("reference", ref.get("protocol").asText());
        assertEquals(128, ref.get("size").asInt());
        Run r = run("evaluate", "--task", "binary", "--pred", f[0].toString(), "--gt",
                f[1].toString(), "--protocol", "reference", "--size", "128");
        assertTrue(r.out().contains("reference (128x128)"), r.out());
        r = run("evaluate", "--task", "sod", "--pred", f[0].toString(), "--gt", f[1].toString(),
                "--protocol", "reference");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'protocol' does not apply to the sod family"), r.err());
        r = run("evaluate", "--task", "binary", "--pred", f[0].toString(), "--gt",
                f[1].toString(), "--protocol", "keras");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("native, reference"), r.err());
    }
}
