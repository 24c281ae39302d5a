package dev.freqmed.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reading the huge-page settings, and that large engine arrays really get huge pages. */
class HostMemoryTest {

    private static final Path ROLLUP = Path.of("/proc/self/smaps_rollup");

    @Test
    void theKernelModeIsTheBracketedChoice() {
        assertEquals(Optional.of("madvise"), HostMemory.selected("always [madvise] never\n"));
        assertEquals(Optional.of("always"), HostMemory.selected("[always] madvise never"));
        assertEquals(Optional.empty(), HostMemory.selected("always madvise never"));
    }

    @Test
    void onlyOneTurnsTheRequestOn() {
        assertTrue(HostMemory.requested("1"));
        assertTrue(HostMemory.requested(" 1\n"));
        assertFalse(HostMemory.requested(null));
        assertFalse(HostMemory.requested("0"));
        assertFalse(HostMemory.requested("true"));
    }

    @Test
    void hugePagesNeedTheKernelAndUnderMadviseTheRequest() {
        assertTrue(HostMemory.hugePages(Optional.of("always"), false));
        assertTrue(HostMemory.hugePages(Optional.of("madvise"), true));
        assertFalse(HostMemory.hugePages(Optional.of("madvise"), false));
        assertFalse(HostMemory.hugePages(Optional.of("never"), true));
        assertFalse(HostMemory.hugePages(Optional.empty(), true));
        assertTrue(HostMemory.summary(Optional.of("madvise"), false)
                .contains("set THP_MEM_ALLOC_ENABLE=1"));
        assertTrue(HostMemory.summary(Optional.of("madvise"), true).contains("2 MB huge pages"));
        assertFalse(HostMemory.summary(Optional.of("never"), true).contains("set "));
    }

    @Test
    void theTestBuildAsksForHugePagesAsTheFreqmedCommandDoes() {
        assertTrue(HostMemory.requested(), "the build's surefire environment sets "
                + HostMemory.VARIABLE + "=1, as ./freqmed does");
    }

    @Test
    void aLargeEngineArrayLiesOnHugePages() throws IOException {
        assumeTrue(HostMemory.hugePages(), HostMemory.summary());
        assumeTrue(Files.isReadable(ROLLUP), "no " + ROLLUP);
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            NDArray a = m.ones(new Shape(64, 1024, 1024)); // 256 MiB
            assertEquals(1f, a.getFloat(63, 1023, 1023));
            // The array may reuse heap memory that earlier tests faulted in (glibc keeps freed
            // memory, one heap for all threads), so what is checked is that the process holds
            // at least half of it in huge pages; without them AnonHugePages stays near 0 (the
            // JVM's own heap does not use them in madvise mode).
            long huge = anonHugeKib();
            assertTrue(huge >= 128 * 1024, "AnonHugePages is " + huge + " KiB with a 256 MiB"
                    + " array alive");
        }
    }

    private static long anonHugeKib() throws IOException {
        for (String line : Files.readAllLines(ROLLUP)) {
            if (line.startsWith("AnonHugePages:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no AnonHugePages in " + ROLLUP);
    }
}
