package dev.freqmed.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the engine gets host memory for its arrays, and whether large arrays are backed by 2 MB
 * transparent huge pages.
 *
 * <p>libtorch allocates every array of 2 MB or more afresh from the operating system and returns
 * it when the array is freed, so each large temporary is page-faulted in 4 KB at a time. On a
 * virtual machine a page fault is expensive: on the 2-core AMD EPYC machines this project runs
 * on, adding two (1, 128, 512, 512) arrays took 184 ms with 4 KB pages and 15 ms with huge pages,
 * a 3×3 convolution at that size 1,363 ms and 263 ms, and one SD-Turbo-size Diffusion-FFPE tile
 * 203 s and 38 s (docs/engine.md). libtorch asks the kernel for huge pages ({@code madvise}) when
 * the environment variable {@value #VARIABLE} is {@code 1} at the process's first allocation;
 * Linux honours that when {@code /sys/kernel/mm/transparent_hugepage/enabled} is {@code madvise}
 * or {@code always} (with {@code always} every large mapping gets them anyway).
 *
 * <p>Huge pages alone made small arrays slower: libtorch then aligns every array of 2 MB or more
 * to 2 MB, and glibc gave such heap memory back and faulted it in again (the FRCU-Net demo
 * trained in 306 s instead of 195 s). Telling glibc to keep freed heap memory removes that (192 s);
 * glibc also unmaps a whole 64 MB heap of a thread's arena once it is free, whatever the trim
 * threshold, so all threads share the one main heap and even the largest arrays come from it
 * ({@code GLIBC_TUNABLES=glibc.malloc.trim_threshold=4294967296:glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0}:
 * a FAF-Net paper training episode 12.6 s &rarr; 8.3&ndash;10.6 s). The {@code freqmed} command and the test build set both; a program that
 * embeds FreqMed sets them in its own launcher (a running JVM cannot change its environment).
 */
public final class HostMemory {

    /** The libtorch environment variable that turns on huge-page allocation. */
    public static final String VARIABLE = "THP_MEM_ALLOC_ENABLE";

    private static final Path THP_MODE = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private HostMemory() {
    }

    /**
     * Whether libtorch in this process was asked for huge pages: the variable is {@code 1}, the
     * one value every libtorch version that reads it takes as on.
     *
     * @return true when the variable asks for huge pages
     */
    public static boolean requested() {
        return requested(System.getenv(VARIABLE));
    }

    /** {@link #requested()} for a given value of the variable (null when unset). */
    static boolean requested(String value) {
        return value != null && value.trim().equals("1");
    }

    /**
     * The kernel's transparent-huge-page mode: {@code always}, {@code madvise} or {@code never};
     * empty when the system has no such setting (not Linux, or a kernel without THP).
     *
     * @return the mode
     */
    public static Optional<String> kernelMode() {
        try {
            return selected(Files.readString(THP_MODE));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The bracketed choice of a sysfs multiple-choice line such as {@code always [madvise] never}. */
    static Optional<String> selected(String line) {
        int open = line.indexOf('[');
        int close = line.indexOf(']', open + 1);
        if (open < 0 || close < 0) {
            return Optional.empty();
        }
        return Optional.of(line.substring(open + 1, close).trim());
    }

    /**
     * Whether large engine arrays get huge pages in this process.
     *
     * @return true when the kernel grants them to every large mapping, or to libtorch's when
     *         asked and libtorch is asked
     */
    public static boolean hugePages() {
        return hugePages(kernelMode(), requested());
    }

    static boolean hugePages(Optional<String> mode, boolean requested) {
        return mode.map(m -> m.equals("always") || (m.equals("madvise") && requested))
                .orElse(false);
    }

    /**
     * Whether glibc is told to keep freed heap memory for reuse
     * ({@code glibc.malloc.trim_threshold} in {@code GLIBC_TUNABLES}, as {@code ./freqmed} sets
     * it) instead of giving it back and faulting it in again.
     *
     * @return true when the tunable is set
     */
    public static boolean heapKept() {
        String t = System.getenv("GLIBC_TUNABLES");
        return t != null && t.contains("glibc.malloc.trim_threshold=");
    }

    /**
     * One phrase for the {@code engine:} line ("host memory: ...") and {@code freqmed doctor}
     * ("Memory: ..."): whether huge pages are on and freed heap memory is kept, and, when huge pages are off but could be on, how to turn
     * them on.
     *
     * @return the phrase
     */
    public static String summary() {
        return summary(kernelMode(), requested()) + (heapKept() ? "; freed heap kept" : "");
    }

    static String summary(Optional<String> mode, boolean requested) {
        if (mode.isEmpty()) {
            return "4 KB pages (no transparent huge pages on this system)";
        }
        if (hugePages(mode, requested)) {
            return "2 MB huge pages (kernel: " + mode.get()
                    + (mode.get().equals("madvise") ? ", " + VARIABLE + "=1" : "") + ")";
        }
        if (mode.get().equals("madvise")) {
            return "4 KB pages; set " + VARIABLE + "=1 for huge pages (large"
                    + " arrays are several times faster, see docs/engine.md)";
        }
        return "4 KB pages (kernel transparent huge pages: " + mode.get() + ")";
    }

    /**
     * The peak resident set size of this process so far ({@code VmHWM}), in MiB.
     *
     * @return the peak, or -1 where {@code /proc/self/status} is unavailable
     */
    public static double peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
