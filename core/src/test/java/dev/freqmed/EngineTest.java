package dev.freqmed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PyTorch engine loads from the jars on the class path, with no network and no prior cache. */
class EngineTest {

    /** Entry point of the child JVM: computes a matrix product and prints it. */
    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
            float[] r = a.matMul(a).toFloatArray();
            System.out.println("engine=" + Engine.getInstance().getEngineName() + " result=" + r[0] + "," + r[1] + ","
                    + r[2] + "," + r[3]);
        }
    }

    @Test
    void pytorchEngineLoadsOfflineIntoAnEmptyCacheFolder(@TempDir Path cache) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "-DDJL_CACHE_DIR=" + cache, "-DENGINE_CACHE_DIR=" + cache,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", EngineTest.class.getName());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("engine=PyTorch result=7.0,10.0,15.0,22.0"), out);
        // The native libraries were unpacked into the empty folder: nothing came from the network.
        try (Stream<Path> files = Files.walk(cache)) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith("libtorch")), "no libtorch in " + names);
        }
    }

    @Test
    void engineComputesInThisJvm() {
        assertEquals("true", System.getProperty("ai.djl.offline"));
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
            assertArrayEquals(new float[] {7, 10, 15, 22}, a.matMul(a).toFloatArray(), 0f);
        }
    }
}
