package dev.freqmed.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.metric.BinarySegmentationMetrics;
import dev.freqmed.train.TrainConfig;
import dev.freqmed.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run report names the data actually used and links the run's figures. */
class RunReportTest {

    private static RunReport report(Path dir, DataDescription data) throws Exception {
        Path cfgFile = dir.resolve("c.yaml");
        Files.writeString(cfgFile, "model:\n  arch: frcunet\n  preset: tiny\ndata:\n  root: "
                + dir.resolve("lesions") + "\ntrain:\n  epochs: 2\n");
        TrainConfig cfg = TrainConfig.read(cfgFile);
        Map<String, Double> epoch = new LinkedHashMap<>();
        epoch.put("epoch", 1.0);
        epoch.put("train_loss", 0.5);
        epoch.put("val_dice", 0.25);
        TrainingRun.Result run = new TrainingRun.Result(1, 1, 0.25, List.of(epoch),
                dir.resolve("model"), false, 1);
        BinarySegmentationMetrics m = new BinarySegmentationMetrics();
        m.updateLabels(new int[] {1, 1, 0, 0}, new int[] {1, 0, 0, 0});
        m.updateLabels(new int[] {0, 0, 0, 1}, new int[] {0, 0, 1, 1});
        HeldOutEvaluation.Result test = new HeldOutEvaluation.Result(m.result(),
                List.of("IMD002", "IMD010"), 1.5);
        return new RunReport(cfg, run, 12.0, test, data);
    }

    @Test
    void reportNamesTheDataActuallyUsed(@TempDir Path dir) throws Exception {
        Path lesions = Files.createDirectories(dir.resolve("lesions"));
        Path out = Files.createDirectories(dir.resolve("out"));
        report(dir, DataDescription.folder(lesions)).write(out);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<h1>FreqMed: frcunet on lesions</h1>"), html);
        assertTrue(html.contains(lesions.toAbsolutePath().toString()), html);
        assertFalse(html.contains("PH²"), "a user's folder is not PH²");
        assertTrue(html.contains("overlays/IMD002.png") && html.contains("curves.png"), html);
        JsonNode json = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals("lesions", json.get("data").get("name").asText());
        assertEquals(2, json.get("test_images").asInt());
        assertEquals(2, json.get("metrics").get("per_image_dice").size());

        report(dir, DataDescription.bundledPh2Sample()).write(out);
        html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("on the bundled PH² sample") && html.contains("Mendonça")
                && html.contains("Data attribution"), html);
        assertFalse(html.contains(lesions.toAbsolutePath().toString() + ")"), html);
    }
}
