package dev.freqmed.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Manifest;
import dev.freqmed.io.ModelCheckpoint;
import dev.freqmed.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model.init} with several files: an encoder file whose keys lack the network's prefix
 * (loaded with {@code prefix}) and a file with the rest, each with its own {@code allowMissing};
 * both SHA-256s in the manifest; a file that leaves keys uncovered names itself.
 */
class ModelInitFilesTest {

    @Test
    void twoFilesLoadEachWithItsOwnSettings(@TempDir Path tmp) throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 6, 2);
        Path first = tmp.resolve("first");
        new TrainingRun(TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("a.yaml"), data,
                first, 1, "")), Device.cpu(), null).run(false);
        Map<String, HostTensor> w = ModelCheckpoint.readWeights(first.resolve("model"));

        // File A: the encoder, keys without "encoder.", values scaled so that they differ from
        // both the first run and a fresh initialisation. File B: everything else as trained.
        Map<String, HostTensor> encoder = new LinkedHashMap<>();
        Map<String, HostTensor> rest = new LinkedHashMap<>();
        TreeSet<String> otherRoots = new TreeSet<>();
        for (Map.Entry<String, HostTensor> e : w.entrySet()) {
            HostTensor t = e.getValue();
            if (e.getKey().startsWith("encoder.")) {
                float[] v = t.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] = v[i] * 1.5f + 0.25f;
                }
                encoder.put(e.getKey().substring("encoder.".length()),
                        HostTensor.of(DType.FLOAT32, t.shape(), v));
            } else {
                rest.put(e.getKey(), t);
                otherRoots.add(e.getKey().substring(0, e.getKey().indexOf('.') + 1) + "*");
            }
        }
        assertTrue(encoder.size() > 10 && rest.size() > 3, encoder.size() + " / " + rest.size());
        Path fileA = tmp.resolve("encoder.safetensors");
        Path fileB = tmp.resolve("rest.safetensors");
        Safetensors.write(fileA, encoder, Map.of());
        Safetensors.write(fileB, rest, Map.of());

        String missingA = String.join(", ", otherRoots.stream().map(r -> "\"" + r + "\"")
                .toList());
        Path second = tmp.resolve("second");
        Path cfg = TrainFixtures.tinyConfig(tmp.resolve("b.yaml"), data, second, 1,
                "  groups:\n    - {name: frozen, params: [\"encoder.*\"], frozen: true}\n");
        Files.writeString(cfg, Files.readString(cfg).replace("  bnMomentum: 0.9\n",
                "  bnMomentum: 0.9\n  init:\n"
                        + "    - {from: " + fileA + ", prefix: \"encoder.\", allowMissing: ["
                        + missingA + "]}\n"
                        + "    - {from: " + fileB + ", allowMissing: [\"encoder.*\"]}\n"));
        TrainConfig config = TrainConfig.read(cfg);
        assertEquals(2, config.init().size());
        new TrainingRun(config, Device.cpu(), null).run(false);

        Map<String, HostTensor> end = ModelCheckpoint.readWeights(second.resolve("checkpoint"));
        int checked = 0;
        for (Map.Entry<String, HostTensor> e : encoder.entrySet()) {
            String key = "encoder." + e.getKey();
            if (key.contains("running_")) {
                continue; // BatchNorm statistics move in training even when frozen
            }
            assertArrayEquals(e.getValue().toFloatArray(), end.get(key).toFloatArray(), key);
            assertFalse(java.util.Arrays.equals(w.get(key).toFloatArray(),
                    end.get(key).toFloatArray()), key + " kept the first run's values");
            checked++;
        }
        assertTrue(checked > 10, "encoder tensors checked: " + checked);

        Manifest man = ModelCheckpoint.readManifest(second.resolve("checkpoint"));
        List<?> records = (List<?>) man.extra().get("init");
        assertEquals(2, records.size(), records.toString());
        Map<?, ?> a = (Map<?, ?>) records.get(0);
        Map<?, ?> b = (Map<?, ?>) records.get(1);
        assertEquals(TrainingRun.sha256(fileA), a.get("sha256"));
        assertEquals(TrainingRun.sha256(fileB), b.get("sha256"));
        assertEquals("encoder.", a.get("prefix"));
        assertEquals(encoder.size(), ((Number) a.get("loaded")).intValue());
        assertEquals(rest.size(), ((Number) b.get("loaded")).intValue());
    }

    @Test
    void aFileThatLeavesKeysUncoveredNamesItselfAndListsThem(@TempDir Path tmp)
            throws Exception {
        Path data = TrainFixtures.ph2Subset(tmp.resolve("data"), 4, 1);
        Path first = tmp.resolve("first");
        new TrainingRun(TrainConfig.read(TrainFixtures.tinyConfig(tmp.resolve("a.yaml"), data,
                first, 1, "")), Device.cpu(), null).run(false);
        Map<String, HostTensor> w = ModelCheckpoint.readWeights(first.resolve("model"));
        Map<String, HostTensor> part = new LinkedHashMap<>();
        w.forEach((k, t) -> {
            if (!k.startsWith("encoder.")) {
                part.put(k, t);
            }
        });
        Path file = tmp.resolve("part.safetensors");
        Safetensors.write(file, part, Map.of());
        Path cfg = TrainFixtures.tinyConfig(tmp.resolve("b.yaml"), data, tmp.resolve("out"), 1,
                "");
        Files.writeString(cfg, Files.readString(cfg).replace("  bnMomentum: 0.9\n",
                "  bnMomentum: 0.9\n  init:\n    - " + first.resolve("model/weights.safetensors")
                        + "\n    - {from: " + file + "}\n"));
        IOException e = assertThrows(IOException.class,
                () -> new TrainingRun(TrainConfig.read(cfg), Device.cpu(), null).run(false));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("encoder."), e.getMessage());

        Files.writeString(cfg, Files.readString(cfg).replaceAll("(?s)  init:.*?\ndata:",
                "  init: []\ndata:"));
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.read(cfg));
        assertTrue(empty.getMessage().contains("model.init"), empty.getMessage());
    }
}
