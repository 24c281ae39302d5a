package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Safetensors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsCommandTest {

    private static Path fixture(String name) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata/weights"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("testdata/weights not found");
        }
        return p.resolve("testdata/weights").resolve(name);
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void inspectJsonListsEveryTensorWithSums() throws Exception {
        Result r = run("weights", "inspect", "--json", fixture("state_dict_zip.pth").toString());
        assertEquals(0, r.code(), r.err());
        ObjectMapper json = new ObjectMapper();
        JsonNode d = json.readTree(r.out());
        JsonNode exp = json.readTree(fixture("expected.json").toFile()).get("state_dict");
        assertEquals(exp.size(), d.get("tensors").size());
        for (JsonNode t : d.get("tensors")) {
            JsonNode e = exp.get(t.get("name").asText());
            assertEquals(e.get("dtype").asText(), t.get("dtype").asText());
            assertEquals(e.get("shape"), t.get("shape"));
            assertEquals(e.get("sum").asDouble(), t.get("sum").asDouble(),
                    1e-4 * Math.max(1, Math.abs(e.get("sum").asDouble())));
            assertEquals(e.get("sumsq").asDouble(), t.get("sumsq").asDouble(),
                    1e-4 * Math.max(1, e.get("sumsq").asDouble()));
        }
    }

    @Test
    void inspectShowsCheckpointEntries() {
        Result r = run("weights", "inspect", fixture("lightning_checkpoint.ckpt").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("epoch: 12"), r.out());
        assertTrue(r.out().contains("hyper_parameters: {\"lr\":5.0E-4"), r.out());
        assertTrue(r.out().contains("key prefix 'model.'"), r.out());
    }

    @Test
    void maliciousFileIsRefusedWithExitCodeTwo() {
        Path pwned = Path.of(System.getProperty("java.io.tmpdir"), "freqmed-pwned");
        Result r = run("weights", "inspect", fixture("malicious.pth").toString());
        assertEquals(Errors.BAD_INPUT, r.code());
        assertTrue(r.err().contains("'posix.system'"), r.err());
        assertFalse(Files.exists(pwned));
    }

    @Test
    void convertWritesTheUnwrappedStateDict(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("w.safetensors");
        Result r = run("weights", "convert", fixture("lightning_checkpoint.ckpt").toString(),
                "--to", out.toString());
        assertEquals(0, r.code(), r.err());
        Safetensors.Contents c = Safetensors.read(out);
        assertEquals(27, c.tensors().size());
        HostTensor w = c.tensors().get("stem.weight");
        assertEquals(2.1402013325714506, w.stats().sum(), 1e-5);
        assertTrue(c.metadata().get("info").contains("\"epoch\" : 12"), c.metadata().get("info"));
        assertEquals("pytorch-zip", c.metadata().get("source_format"));
    }

    @Test
    void importWeightsNamesAnUnknownArchitecture(@TempDir Path tmp) {
        Result r = run("import-weights", "--arch", "no-such-net", "--from",
                fixture("state_dict_zip.pth").toString(), "--out", tmp.resolve("m").toString());
        assertEquals(Errors.BAD_INPUT, r.code());
        assertTrue(r.err().contains("unknown architecture 'no-such-net'"), r.err());
        assertFalse(Files.exists(tmp.resolve("m")));
    }

    @Test
    void unknownObjectsAreShownAsInertDataWhenAllowed() {
        Path pwned = Path.of(System.getProperty("java.io.tmpdir"), "freqmed-pwned");
        Result r = run("weights", "inspect", "--allow-unknown-objects", "--json",
                fixture("malicious.pth").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"__object__\" : \"posix.system\""), r.out());
        assertFalse(Files.exists(pwned));
    }
}
