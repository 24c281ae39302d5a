package dev.freqmed.train;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every recipe in {@code configs/} reads: known keys only, values of the right type, a preset the
 * architecture has, so a key renamed in a config record cannot leave a shipped recipe broken.
 */
class ShippedConfigsTest {

    private static final Path CONFIGS = Path.of("..", "configs");

    @TestFactory
    Stream<DynamicTest> everyShippedConfigReads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(CONFIGS)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 10, "configs found: " + files);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            TrainConfig c = assertDoesNotThrow(() -> TrainConfig.read(f), f.toString());
            String stem = f.getFileName().toString();
            assertTrue(stem.replace("-", "").startsWith(c.arch().replace("-", "")),
                    f + " holds architecture " + c.arch());
        }));
    }
}
