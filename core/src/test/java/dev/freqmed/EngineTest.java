package dev.freqmed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PyTorch engine loads from the jars on the class path, with no network and no cache. */
class EngineTest {

    @Test
    void pytorchEngineLoadsOfflineFromAnEmptyCache(@TempDir Path cache) throws Exception {
        // The engine is loaded once per JVM; surefire forks a fresh JVM whose system properties
        // point DJL's cache at an empty folder (see the pom). Here we check the offline flag and
        // that the engine really computes.
        assertEquals("true", System.getProperty("ai.djl.offline"));
        Engine engine = Engine.getEngine("PyTorch");
        assertEquals("PyTorch", engine.getEngineName());
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            assertArrayEquals(new float[] {7, 10, 15, 22}, a.matMul(a).toFloatArray(), 0f);
        }
        assertEquals(true, Files.isDirectory(cache));
    }
}
