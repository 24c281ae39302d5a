package dev.freqmed.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * What the engine's kernels depend on about this processor: vendor, model, the instruction set
 * flags, whether the operating system exposes the cache topology (oneDNN sizes its blocking from
 * it) and the cache sizes, and the number of CPUs. Read from {@code /proc/cpuinfo} and
 * {@code /sys/devices/system/cpu}; on other systems the fields say {@code unknown}.
 *
 * @param vendor        e.g. {@code AuthenticAMD}
 * @param modelName     e.g. {@code AMD EPYC 9B14}
 * @param family        CPU family (-1 when unknown)
 * @param model         CPU model (-1 when unknown)
 * @param stepping      stepping (-1 when unknown)
 * @param flags         the instruction-set flags, space separated
 * @param cacheTopology whether {@code /sys/devices/system/cpu/cpu0/cache} lists any cache
 * @param caches        the cache sizes found, e.g. {@code L1d 32K, L2 1024K}, or empty
 * @param cpus          logical CPUs available to this process
 */
public record CpuInfo(String vendor, String modelName, int family, int model, int stepping,
        String flags, boolean cacheTopology, String caches, int cpus) {

    /**
     * Reads this machine's processor description.
     *
     * @return the description; never throws, unknown fields say so
     */
    public static CpuInfo read() {
        String vendor = "unknown";
        String name = "unknown";
        int family = -1;
        int model = -1;
        int stepping = -1;
        String flags = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.isBlank()) {
                    break; // the first processor is enough
                }
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                switch (key) {
                    case "vendor_id" -> vendor = value;
                    case "model name" -> name = value;
                    case "cpu family" -> family = parse(value);
                    case "model" -> model = parse(value);
                    case "stepping" -> stepping = parse(value);
                    case "flags" -> flags = value;
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or unreadable: the fields stay unknown.
        }
        List<String> caches = new ArrayList<>();
        Path cacheDir = Path.of("/sys/devices/system/cpu/cpu0/cache");
        for (int i = 0; i < 8; i++) {
            Path index = cacheDir.resolve("index" + i);
            try {
                if (!Files.isDirectory(index)) {
                    continue;
                }
                String level = Files.readString(index.resolve("level")).trim();
                String type = Files.readString(index.resolve("type")).trim();
                String size = Files.readString(index.resolve("size")).trim();
                String t = type.startsWith("Data") ? "d" : type.startsWith("Instr") ? "i" : "";
                caches.add("L" + level + t + " " + size);
            } catch (IOException | RuntimeException e) {
                // An unreadable entry counts as absent.
            }
        }
        return new CpuInfo(vendor, name, family, model, stepping, flags, !caches.isEmpty(),
                String.join(", ", caches), Runtime.getRuntime().availableProcessors());
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether the flags include {@code flag} (e.g. {@code avx512f}). */
    public boolean hasFlag(String flag) {
        return (" " + flags + " ").contains(" " + flag + " ");
    }

    /** The widest vector extension the flags show: {@code AVX-512}, {@code AVX2}, ... */
    public String vectorIsa() {
        if (hasFlag("avx512f")) {
            return "AVX-512";
        }
        if (hasFlag("avx2")) {
            return "AVX2";
        }
        if (hasFlag("avx")) {
            return "AVX";
        }
        return flags.isEmpty() ? "unknown" : "SSE";
    }

    /** One line for logs: {@code AMD EPYC (AuthenticAMD family 25 model 17), AVX-512, 2 CPUs}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s (%s family %d model %d), %s, %d CPUs, %s",
                modelName, vendor, family, model, vectorIsa(), cpus,
                cacheTopology ? "caches " + caches : "no cache topology exposed");
    }

    /**
     * A short hash of everything here plus the given extra facts (engine version, self-test
     * version, kernel-related environment): equal fingerprints may share a self-test result.
     *
     * @param extra further facts that change which kernels run
     * @return 16 hex digits
     */
    public String fingerprint(String... extra) {
        StringBuilder sb = new StringBuilder();
        sb.append(vendor).append('|').append(modelName).append('|').append(family).append('|')
                .append(model).append('|').append(stepping).append('|').append(flags).append('|')
                .append(cacheTopology).append('|').append(caches).append('|').append(cpus);
        for (String e : extra) {
            sb.append('|').append(e);
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
