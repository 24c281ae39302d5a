package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One epoch of the demo: every artefact is written and the report links them. */
@Tag("slow")
class DemoCommandTest {

    @Test
    void oneEpochDemoWritesEveryArtefact(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("demo");
        CliRunner.Result r = CliRunner.run("demo", "--out", out.toString(), "--epochs", "1", "--device", "cpu");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("held-out Dice"), r.out());
        for (String f : new String[] {"model/manifest.json", "model/weights.safetensors", "metrics.json", "curves.png",
            "log.csv", "report.html", "checkpoint/manifest.json"}) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        try (var s = Files.list(out.resolve("overlays"))) {
            assertEquals(20, s.count());
        }
        JsonNode m = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals(20, m.get("test_images").asInt());
        assertEquals(20, m.get("metrics").get("per_image_dice").size());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("curves.png") && html.contains("overlays/IMD"), "report does not link its figures");
        CliRunner.Result again = CliRunner.run("demo", "--out", out.toString(), "--epochs", "1");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already exists"), again.err());
    }
}
