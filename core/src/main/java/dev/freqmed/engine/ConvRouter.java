package dev.freqmed.engine;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, once per process, which {@link ConvPath} each {@link ConvClass} takes, and answers
 * {@link Convolutions} for every call.
 *
 * <p>The mode comes from the system property {@code freqmed.conv.path}, else the environment
 * variable {@code FREQMED_CONV_PATH}, else {@code auto}:
 * <ul>
 *   <li>{@code auto}: the self-test's verdict for this CPU and engine (cached; run in a child
 *       process on first use, which takes a few seconds);
 *   <li>{@code engine} (or {@code onednn}), {@code padded}, {@code im2col}: that path for every
 *       convolution, no self-test;
 *   <li>{@code native}: oneDNN switched off in the whole process (ATen's own kernels; slow on
 *       machines without NNPACK).
 * </ul>
 * The decision is logged once at INFO.
 */
public final class ConvRouter {

    private static final Logger LOG = LoggerFactory.getLogger(ConvRouter.class);
    private static final ThreadLocal<ConvPath> OVERRIDE = new ThreadLocal<>();
    private static volatile ConvRouting routing;
    private static volatile Optional<SelfTestReport> report = Optional.empty();

    private ConvRouter() {
    }

    /**
     * The path for a class in this thread (a {@link #withPath} override first).
     *
     * @param c the class
     * @return the path
     */
    public static ConvPath pathFor(ConvClass c) {
        ConvPath o = OVERRIDE.get();
        return o != null ? o : routing().paths().get(c);
    }

    /**
     * The routing of this process, deciding it on first use.
     *
     * @return the routing
     * @throws IllegalStateException when the self-test finds no correct path, or the mode is
     *                               unknown
     */
    public static ConvRouting routing() {
        ConvRouting r = routing;
        if (r == null) {
            synchronized (ConvRouter.class) {
                r = routing;
                if (r == null) {
                    r = decide(configuredMode());
                    routing = r;
                    LOG.info("convolution routing: {} [{}]", r.summary(), r.reason());
                }
            }
        }
        return r;
    }

    /** The self-test report the routing came from, when it came from one. */
    public static Optional<SelfTestReport> report() {
        routing();
        return report;
    }

    /** The configured mode, lower case. */
    public static String configuredMode() {
        String m = System.getProperty("freqmed.conv.path");
        if (m == null || m.isBlank()) {
            m = System.getenv("FREQMED_CONV_PATH");
        }
        return m == null || m.isBlank() ? "auto" : m.trim().toLowerCase(Locale.ROOT);
    }

    private static ConvRouting decide(String mode) {
        switch (mode) {
            case "auto": {
                Optional<SelfTestReport> cached = EngineSelfTest.cached();
                SelfTestReport r = cached.orElseGet(
                        () -> EngineSelfTest.runAndCache(EngineSelfTest.Options.defaults()));
                report = Optional.of(r);
                return r.routing(cached.isPresent() ? "cached" : "run now");
            }
            case "engine":
            case "onednn":
                return ConvRouting.uniform(ConvPath.ENGINE, "engine", false,
                        "forced by FREQMED_CONV_PATH=" + mode);
            case "padded":
                return ConvRouting.uniform(ConvPath.PADDED, "padded", false,
                        "forced by FREQMED_CONV_PATH=padded");
            case "im2col":
                return ConvRouting.uniform(ConvPath.IM2COL, "im2col", false,
                        "forced by FREQMED_CONV_PATH=im2col");
            case "native":
                NativeEngine.setOneDnnEnabled(false);
                return ConvRouting.uniform(ConvPath.ENGINE, "native", true,
                        "forced by FREQMED_CONV_PATH=native");
            default:
                throw new IllegalArgumentException("FREQMED_CONV_PATH / freqmed.conv.path:"
                        + " expected auto, engine, padded, im2col or native, found '" + mode
                        + "'");
        }
    }

    /**
     * Replaces the routing of this process (benchmarks, {@code freqmed doctor --rerun}).
     *
     * @param r the new routing
     * @param from the report it came from, or null
     */
    public static synchronized void set(ConvRouting r, SelfTestReport from) {
        if (routing != null && routing.nativeOnly() != r.nativeOnly()) {
            NativeEngine.setOneDnnEnabled(!r.nativeOnly());
        } else if (routing == null && r.nativeOnly()) {
            NativeEngine.setOneDnnEnabled(false);
        }
        routing = r;
        report = Optional.ofNullable(from);
        FusedAttention.forget();
        LOG.info("convolution routing: {} [{}]", r.summary(), r.reason());
    }

    /**
     * Runs {@code body} with every convolution of this thread on {@code path} (tests compare
     * paths with it).
     *
     * @param path the path
     * @param body the computation
     * @param <T>  its result type
     * @return its result
     */
    public static <T> T withPath(ConvPath path, Supplier<T> body) {
        return withOverride(OVERRIDE, path, body);
    }

    /**
     * Runs {@code body} with {@code value} in {@code override} for this thread, then restores
     * what was there (also for {@link FusedAttention#withFused}).
     */
    static <V, T> T withOverride(ThreadLocal<V> override, V value, Supplier<T> body) {
        V before = override.get();
        override.set(value);
        try {
            return body.get();
        } finally {
            if (before == null) {
                override.remove();
            } else {
                override.set(before);
            }
        }
    }
}
