package dev.freqmed.engine;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a kernel that the engine self-test checks as one task (one path, no alternatives but
 * FreqMed's explicit composition of plain operators) is used in this process: the mode is
 * {@code auto} (the self-test's verdict; explicit when there is none), the kernel's own word
 * (forced on) or {@code explicit} (forced off), from a system property or an environment
 * variable. A thread may override it ({@link #with}).
 */
final class CheckedKernel {

    private static final Logger LOG = LoggerFactory.getLogger(CheckedKernel.class);

    private final String what;
    private final String property;
    private final String variable;
    private final String onWord;
    private final String taskClass;
    private final ThreadLocal<Boolean> override = new ThreadLocal<>();
    private volatile Boolean decided;
    private volatile String reason = "not decided";

    /**
     * @param what      what the kernel computes, for messages (e.g. {@code attention})
     * @param property  the system property of the mode
     * @param variable  the environment variable of the mode
     * @param onWord    the mode word that forces the kernel on (e.g. {@code fused})
     * @param taskClass the self-test task's class
     */
    CheckedKernel(String what, String property, String variable, String onWord,
            String taskClass) {
        this.what = what;
        this.property = property;
        this.variable = variable;
        this.onWord = onWord;
        this.taskClass = taskClass;
    }

    /** Whether this thread uses the kernel: its override first, then the process's mode. */
    boolean enabled() {
        Boolean o = override.get();
        if (o != null) {
            return o;
        }
        Boolean d = decided;
        if (d == null) {
            synchronized (this) {
                d = decided;
                if (d == null) {
                    d = decide(configuredMode());
                    decided = d;
                }
            }
        }
        return d;
    }

    /** Forgets the decision, so the next use decides again. */
    void forget() {
        decided = null;
    }

    /** Why the process decided as it did. */
    String reason() {
        return reason;
    }

    /** The configured mode, lower case. */
    String configuredMode() {
        String m = System.getProperty(property);
        if (m == null || m.isBlank()) {
            m = System.getenv(variable);
        }
        return m == null || m.isBlank() ? "auto" : m.trim().toLowerCase(Locale.ROOT);
    }

    /** Runs {@code body} with the kernel on or off in this thread. */
    <T> T with(boolean on, Supplier<T> body) {
        return ConvRouter.withOverride(override, on, body);
    }

    private boolean decide(String mode) {
        boolean on;
        String why;
        if (mode.equals(onWord) || mode.equals("explicit")) {
            on = mode.equals(onWord);
            why = "forced by " + variable + "=" + mode;
        } else if (mode.equals("auto")) {
            Optional<SelfTestReport> r = ConvRouter.report();
            if (r.isEmpty()) {
                r = EngineSelfTest.cached();
            }
            Optional<TaskResult> t = r.flatMap(x -> x.task(taskClass));
            on = t.map(TaskResult::passed).orElse(false);
            why = t.map(x -> "self-test " + x.status()).orElse("no self-test verdict");
        } else {
            throw new IllegalArgumentException(variable + " / " + property + ": expected auto, "
                    + onWord + " or explicit, found '" + mode + "'");
        }
        LOG.info("{}: {} [{}]", what, on ? onWord + " kernel" : "explicit", why);
        reason = why;
        return on;
    }
}
