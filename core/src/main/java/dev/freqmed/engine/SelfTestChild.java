package dev.freqmed.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The process that runs the known-answer checks: a kernel under test may crash the process that
 * runs it, so {@link EngineSelfTest} starts this in a child JVM and reads its progress.
 *
 * <p>Arguments: tasks {@code CLASS:PATH} (a convolution class and path, or
 * {@code ATTENTION:FUSED} for the fused attention kernel, {@code GROUPNORM:NATIVE} for the
 * native group normalisation). Output, one line each, flushed at once:
 * {@code BEGIN CLASS:PATH}, then {@code END {json TaskResult}}, and {@code DONE} at the end. The
 * system property {@code freqmed.selftest.inject} ({@code CLASS:PATH=wrong|crash|fault;...}) corrupts
 * results, ends the process at a task as a SIGFPE would ({@code crash}), or crashes it in native
 * code with the JVM's crash report ({@code fault}), to test the decision logic.
 */
public final class SelfTestChild {

    private SelfTestChild() {
    }

    /**
     * Entry point of the child process.
     *
     * @param args the tasks
     * @throws Exception when the engine cannot start (the parent reports the output)
     */
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Map<String, String> inject = parseInject(System.getProperty("freqmed.selftest.inject"));
        ObjectMapper json = new ObjectMapper();
        Engine engine = Engine.getEngine("PyTorch");
        NativeEngine.setLogLevel(NativeEngine.LOG_ERROR);
        try (NDManager root = engine.newBaseManager()) {
            for (String task : args) {
                String[] cp = task.split(":");
                out.println("BEGIN " + task);
                String injected = inject.get(task);
                if ("crash".equals(injected)) {
                    Runtime.getRuntime().halt(136); // as a SIGFPE would end it
                }
                if ("fault".equals(injected)) {
                    nativeFault(); // a real crash in native code, with the JVM's crash report
                }
                TaskResult r = AttentionCheck.TASK_CLASS.equals(cp[0])
                        ? AttentionCheck.check(root, injected)
                        : GroupNormCheck.TASK_CLASS.equals(cp[0])
                        ? GroupNormCheck.check(root, injected)
                        : KnownAnswerCheck.checkClass(root, ConvClass.valueOf(cp[0]),
                                ConvPath.valueOf(cp[1]), injected);
                out.println("END " + json.writeValueAsString(r));
            }
        }
        out.println("DONE");
        out.flush();
        System.exit(0);
    }

    /** Writes to address 0 from native code: the process dies as in a faulty kernel. */
    private static void nativeFault() throws ReflectiveOperationException {
        java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        ((sun.misc.Unsafe) f.get(null)).putAddress(0L, 0L);
    }

    static Map<String, String> parseInject(String spec) {
        Map<String, String> m = new HashMap<>();
        if (spec == null || spec.isBlank()) {
            return m;
        }
        for (String part : spec.split(";")) {
            String[] kv = part.trim().split("=");
            if (kv.length == 2) {
                m.put(kv[0].trim().toUpperCase(Locale.ROOT), kv[1].trim());
            }
        }
        return m;
    }
}
