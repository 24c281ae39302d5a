package dev.freqmed.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCheckpointTest {

    @Test
    void saveThenLoadRestoresEveryParameterAndTheManifest(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ckpt");
        try (NDManager m = NDManager.newBaseManager()) {
            StemNet a = StateDictsTest.initializedNet(m);
            Manifest man = Manifest.of("stemnet", Map.of("channels", 10, "name", "tiny"))
                    .withMetrics(Map.of("dice", 0.75)).withTrainingData("synthetic")
                    .withInput(new int[] {3, 6, 6}, "none");
            ModelCheckpoint.save(dir, a, man);
            StemNet b = StateDictsTest.initializedNet(m);
            Manifest back = ModelCheckpoint.load(dir, b);
            assertEquals("stemnet", back.architecture());
            assertEquals(Manifest.FORMAT, back.format());
            assertEquals(10, back.config().get("channels"));
            assertEquals(0.75, back.metrics().get("dice"));
            assertArrayEquals(new int[] {3, 6, 6}, back.inputSize());
            assertEquals("2.7.1", back.versions().get("libtorch"));
            var pa = StateDicts.parameters(a);
            var pb = StateDicts.parameters(b);
            for (String k : pa.keySet()) {
                assertArrayEquals(pa.get(k).getArray().toFloatArray(),
                        pb.get(k).getArray().toFloatArray(), 0f, k);
            }
        }
    }

    @Test
    void saveReplacesAnExistingCheckpointWithoutLeftovers(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ckpt");
        try (NDManager m = NDManager.newBaseManager()) {
            StemNet a = StateDictsTest.initializedNet(m);
            ModelCheckpoint.save(dir, a, Manifest.of("first", Map.of()));
            ModelCheckpoint.save(dir, a, Manifest.of("second", Map.of()));
        }
        assertEquals("second", ModelCheckpoint.readManifest(dir).architecture());
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(dir), s.toList());
        }
    }

    @Test
    void readRecoversTheOldCheckpointAfterACrashBetweenRenames(@TempDir Path tmp)
            throws Exception {
        Path dir = tmp.resolve("ckpt");
        try (NDManager m = NDManager.newBaseManager()) {
            ModelCheckpoint.save(dir, StateDictsTest.initializedNet(m), Manifest.of("old", Map.of()));
        }
        // state after "rename old aside" and before "rename new into place"
        Files.move(dir, tmp.resolve("ckpt.old-1234abcd"));
        Files.createDirectory(tmp.resolve("ckpt.tmp-1234abcd"));
        assertEquals("old", ModelCheckpoint.readManifest(dir).architecture());
        assertTrue(Files.isRegularFile(dir.resolve(ModelCheckpoint.WEIGHTS)));
    }

    @Test
    void folderWithoutManifestIsNotACheckpoint(@TempDir Path tmp) throws Exception {
        IOException e = assertThrows(IOException.class, () -> ModelCheckpoint.readManifest(tmp));
        assertEquals(tmp + ": not a FreqMed checkpoint (no manifest.json)", e.getMessage());
        assertFalse(Files.exists(tmp.resolve(ModelCheckpoint.MANIFEST)));
    }
}
