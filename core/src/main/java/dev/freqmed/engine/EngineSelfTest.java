package dev.freqmed.engine;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs the engine's known-answer convolution checks ({@link KnownAnswerCheck}) in child JVMs and
 * caches the verdict per CPU and engine version in {@code FREQMED_HOME/engine/} (default
 * {@code ~/.freqmed}; the environment variable {@code FREQMED_HOME} or the system property
 * {@code freqmed.home} move it).
 *
 * <p>Each class of convolution is checked on the engine's own path first; a class that fails, or
 * whose check kills the process, is checked on the next path ({@link ConvRouting#PREFERENCE}).
 * A crash ends only that child: the parent starts another for the checks still to do. The fused
 * attention kernel ({@link AttentionCheck}) and the native group normalisation
 * ({@link GroupNormCheck}) are checked once each; where one fails or crashes, that computation
 * takes FreqMed's explicit path ({@link FusedAttention}, {@link NativeGroupNorm}).
 */
public final class EngineSelfTest {

    /** Version of the checks; part of the cache key. */
    public static final int VERSION = 4;

    /** The tasks of single kernels (one path each; a failure means the explicit path). */
    static final List<String> KERNEL_TASKS = List.of(
            AttentionCheck.TASK_CLASS + ":" + AttentionCheck.TASK_PATH,
            GroupNormCheck.TASK_CLASS + ":" + GroupNormCheck.TASK_PATH);

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final int MAX_PROCESSES = 16;

    private EngineSelfTest() {
    }

    /**
     * Options of a run.
     *
     * @param inject         test hook passed to the children ({@link SelfTestChild}); null for
     *                       none
     * @param timeoutSeconds how long one child may run before it counts as hung
     */
    public record Options(String inject, long timeoutSeconds) {
        /** No injection, 300 s per child. */
        public static Options defaults() {
            return new Options(System.getProperty("freqmed.selftest.inject"), 300);
        }
    }

    /** The FreqMed folder: {@code freqmed.home}, else {@code FREQMED_HOME}, else ~/.freqmed. */
    public static Path home() {
        String p = System.getProperty("freqmed.home");
        if (p == null || p.isBlank()) {
            p = System.getenv("FREQMED_HOME");
        }
        if (p == null || p.isBlank()) {
            return Path.of(System.getProperty("user.home"), ".freqmed");
        }
        return Path.of(p);
    }

    /** The engine in words, e.g. {@code PyTorch 2.7.1, DJL 0.35.0}. */
    public static String engineDescription() {
        Engine e = Engine.getEngine("PyTorch");
        return e.getEngineName() + " " + e.getVersion() + ", DJL " + Engine.getDjlVersion();
    }

    /** The cache key of this machine, engine and kernel-related environment. */
    public static String fingerprint() {
        List<String> extra = new ArrayList<>();
        extra.add(engineDescription());
        extra.add("selftest " + VERSION);
        for (String v : List.of("DNNL_MAX_CPU_ISA", "DNNL_DEFAULT_FPMATH_MODE",
                "ONEDNN_MAX_CPU_ISA", "OMP_NUM_THREADS", "ATEN_CPU_CAPABILITY",
                HostMemory.VARIABLE, "GLIBC_TUNABLES")) {
            extra.add(v + "=" + System.getenv(v));
        }
        return CpuInfo.read().fingerprint(extra.toArray(String[]::new));
    }

    /** Where the verdict for {@code fingerprint} is cached. */
    public static Path cacheFile(String fingerprint) {
        return home().resolve("engine").resolve("selftest-" + fingerprint + ".json");
    }

    /**
     * The cached verdict for this machine, if there is a readable one.
     *
     * @return the report
     */
    public static Optional<SelfTestReport> cached() {
        String fp = fingerprint();
        Path f = cacheFile(fp);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            SelfTestReport r = JSON.readValue(f.toFile(), SelfTestReport.class);
            if (r.version() == VERSION && fp.equals(r.fingerprint()) && !r.tasks().isEmpty()) {
                return Optional.of(r);
            }
        } catch (IOException | RuntimeException e) {
            // A damaged cache file is ignored and replaced.
        }
        return Optional.empty();
    }

    /**
     * Runs the self-test and caches the result.
     *
     * @param options options
     * @return the report
     * @throws IllegalStateException when no child could run the checks (the message carries
     *                               its last output)
     */
    public static SelfTestReport runAndCache(Options options) {
        SelfTestReport r = run(options);
        Path f = cacheFile(r.fingerprint());
        try {
            Files.createDirectories(f.getParent());
            Path tmp = Files.createTempFile(f.getParent(), f.getFileName().toString(), ".tmp");
            JSON.writeValue(tmp.toFile(), r);
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Not cached: the next run checks again. The verdict itself stands.
        }
        return r;
    }

    /**
     * Runs the self-test in child processes (no cache).
     *
     * @param options options
     * @return the report
     */
    public static SelfTestReport run(Options options) {
        long t0 = System.nanoTime();
        Map<ConvClass, ConvPath> pending = new EnumMap<>(ConvClass.class);
        for (ConvClass c : ConvClass.values()) {
            pending.put(c, ConvPath.ENGINE);
        }
        List<TaskResult> results = new ArrayList<>();
        Set<String> kernelsPending = new LinkedHashSet<>(KERNEL_TASKS);
        int processes = 0;
        while (!pending.isEmpty() || !kernelsPending.isEmpty()) {
            if (processes >= MAX_PROCESSES) {
                throw new IllegalStateException("engine self-test: gave up after " + processes
                        + " child processes; still to check: " + pending);
            }
            List<String> tasks = new ArrayList<>();
            pending.forEach((c, p) -> tasks.add(c.name() + ":" + p.name()));
            tasks.addAll(kernelsPending);
            ChildRun run = launch(tasks, options);
            processes++;
            List<TaskResult> got = new ArrayList<>(run.results);
            if (run.unfinished != null) {
                String[] cp = run.unfinished.split(":");
                got.add(new TaskResult(cp[0], cp[1], "crash", 0, run.exitDescription, 0, 0));
            } else if (run.results.isEmpty()) {
                throw new IllegalStateException("engine self-test: the check process "
                        + run.exitDescription + " before checking anything; its output:\n"
                        + run.outputTail);
            }
            for (TaskResult r : got) {
                results.add(r);
                if (!isConvTask(r.convClass())) {
                    // one path only: a failure means explicit
                    kernelsPending.remove(r.convClass() + ":" + r.path());
                } else {
                    advance(pending, r);
                }
            }
        }
        return new SelfTestReport(VERSION, fingerprint(), CpuInfo.read().describe(),
                engineDescription(), Instant.now().toString(),
                (System.nanoTime() - t0) / 1_000_000, processes, results);
    }

    /**
     * Whether a task's class is a convolution class (not a single kernel's task).
     *
     * @param taskClass the class named in the task
     * @return true for a {@link ConvClass}
     */
    static boolean isConvTask(String taskClass) {
        for (ConvClass c : ConvClass.values()) {
            if (c.name().equals(taskClass)) {
                return true;
            }
        }
        return false;
    }

    private static void advance(Map<ConvClass, ConvPath> pending, TaskResult r) {
        ConvClass c = ConvClass.valueOf(r.convClass());
        if (r.passed()) {
            pending.remove(c);
            return;
        }
        ConvPath next = ConvRouting.next(ConvPath.valueOf(r.path()));
        if (next == null) {
            pending.remove(c); // no path left: ConvRouting.decide reports it
        } else {
            pending.put(c, next);
        }
    }

    /** Where a child's JVM writes its crash report ({@code %p}: the child's process id). */
    private static String crashReportPattern() {
        return Path.of(System.getProperty("java.io.tmpdir"), "freqmed-selftest-hs_err_pid%p.log")
                .toString();
    }

    /** The crash report of the child with this process id, whether or not it exists. */
    private static Path crashReport(long pid) {
        return Path.of(crashReportPattern().replace("%p", Long.toString(pid)));
    }

    /** What one child process reported. */
    private static final class ChildRun {
        final List<TaskResult> results = new ArrayList<>();
        String unfinished;
        String exitDescription = "";
        String outputTail = "";
    }

    private static ChildRun launch(List<String> tasks, Options options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx2g");
        cmd.add("-XX:+UseSerialGC");
        // A child that dies in a faulty kernel (expected on some CPUs) writes its crash report to
        // the temporary folder, not the user's working folder, and no core file.
        cmd.add("-XX:ErrorFile=" + crashReportPattern());
        cmd.add("-XX:-CreateCoredumpOnCrash");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error");
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("ai.djl.") && !k.equals("ai.djl.offline") || k.equals("DJL_CACHE_DIR")
                    || k.equals("ENGINE_CACHE_DIR") || k.startsWith("PYTORCH_")) {
                cmd.add("-D" + k + "=" + System.getProperty(k));
            }
        }
        if (options.inject() != null && !options.inject().isBlank()) {
            cmd.add("-Dfreqmed.selftest.inject=" + options.inject());
        }
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(SelfTestChild.class.getName());
        cmd.addAll(tasks);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        ChildRun run = new ChildRun();
        Deque<String> tail = new ArrayDeque<>();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("engine self-test: cannot start " + cmd.get(0)
                    + ": " + e.getMessage(), e);
        }
        Thread reader = new Thread(() -> read(p.getInputStream(), run, tail), "selftest-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            boolean finished = p.waitFor(options.timeoutSeconds(), TimeUnit.SECONDS);
            if (!finished) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                run.exitDescription = "hung (no result after " + options.timeoutSeconds()
                        + " s)";
            }
            reader.join(10_000);
            if (finished) {
                int code = p.exitValue();
                run.exitDescription = code > 128 ? "died with signal " + (code - 128)
                        + signalName(code - 128) : "exited with code " + code;
                Path report = crashReport(p.pid());
                if (Files.isRegularFile(report)) {
                    run.exitDescription += "; JVM crash report " + report;
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("engine self-test interrupted", e);
        }
        synchronized (tail) {
            run.outputTail = String.join("\n", tail);
        }
        return run;
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 4 -> " (SIGILL)";
            case 6 -> " (SIGABRT)";
            case 8 -> " (SIGFPE)";
            case 9 -> " (SIGKILL)";
            case 11 -> " (SIGSEGV)";
            default -> "";
        };
    }

    private static void read(InputStream in, ChildRun run, Deque<String> tail) {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("BEGIN ")) {
                    run.unfinished = line.substring(6).trim();
                } else if (line.startsWith("END ")) {
                    run.results.add(JSON.readValue(line.substring(4), TaskResult.class));
                    run.unfinished = null;
                } else if (!line.equals("DONE")) {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 40) {
                            tail.removeFirst();
                        }
                    }
                }
            }
        } catch (IOException e) {
            // The process ended; what was read stands.
        }
    }

    /**
     * The class path a child needs: this JVM's, plus the locations of FreqMed, DJL, the PyTorch
     * engine and native library, JNA, Jackson and SLF4J (when a host application loaded them
     * through its own class loader).
     */
    static String classPath() {
        Set<String> parts = new LinkedHashSet<>();
        String own = System.getProperty("java.class.path");
        if (own != null && !own.isBlank()) {
            for (String s : own.split(File.pathSeparator)) {
                parts.add(s);
            }
        }
        for (Class<?> k : List.of(EngineSelfTest.class, Engine.class,
                com.sun.jna.Native.class, ObjectMapper.class,
                com.fasterxml.jackson.core.JsonFactory.class,
                com.fasterxml.jackson.annotation.JsonIgnore.class,
                org.slf4j.LoggerFactory.class)) {
            location(k.getProtectionDomain().getCodeSource() == null ? null
                    : k.getProtectionDomain().getCodeSource().getLocation()).ifPresent(parts::add);
        }
        for (String resource : List.of("ai/djl/pytorch/engine/PtEngine.class",
                "jnilib/pytorch.properties", "native/lib/pytorch.properties")) {
            URL u = EngineSelfTest.class.getClassLoader().getResource(resource);
            if (u != null && "jar".equals(u.getProtocol())) {
                String s = u.toString();
                try {
                    location(new URL(s.substring(4, s.indexOf("!/")))).ifPresent(parts::add);
                } catch (IOException e) {
                    // Skip an unparsable location.
                }
            }
        }
        return String.join(File.pathSeparator, parts);
    }

    private static Optional<String> location(URL u) {
        if (u == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(u.toURI()).toString());
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
