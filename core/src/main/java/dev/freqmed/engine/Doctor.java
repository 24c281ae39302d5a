package dev.freqmed.engine;

import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code freqmed doctor} reports: the CPU, the engine, what the self-test found for each
 * class and path, and the path each checked convolution shape takes now.
 */
public final class Doctor {

    private Doctor() {
    }

    /**
     * Makes sure the routing is decided, running the self-test again first when asked.
     *
     * @param rerun run the self-test now even if a cached verdict exists; in mode {@code auto}
     *              its verdict becomes the routing, in a forced mode it is only reported
     * @return the routing in force
     */
    public static ConvRouting prepare(boolean rerun) {
        Engine.getEngine("PyTorch");
        rerunReport = Optional.empty();
        if (rerun) {
            SelfTestReport r = EngineSelfTest.runAndCache(EngineSelfTest.Options.defaults());
            rerunReport = Optional.of(r);
            if ("auto".equals(ConvRouter.configuredMode())) {
                ConvRouter.set(r.routing("run now"), r);
            }
        }
        return ConvRouter.routing();
    }

    private static Optional<SelfTestReport> rerunReport = Optional.empty();

    private static Optional<SelfTestReport> shownReport() {
        return rerunReport.isPresent() ? rerunReport : ConvRouter.report();
    }

    /**
     * The report as text, for a terminal.
     *
     * @param rerun see {@link #prepare(boolean)}
     * @return the lines
     */
    public static List<String> text(boolean rerun) {
        ConvRouting routing = prepare(rerun);
        List<String> out = new ArrayList<>();
        CpuInfo cpu = CpuInfo.read();
        out.add("CPU:       " + cpu.describe());
        out.add("Engine:    " + EngineSelfTest.engineDescription() + "; oneDNN "
                + (oneDnn().map(b -> b ? "enabled" : "switched off").orElse("state unknown"))
                + "; " + ai.djl.pytorch.jni.JniUtils.getNumThreads() + " intra-op threads");
        out.add("Memory:    " + HostMemory.summary());
        out.add("Mode:      " + routing.mode() + " (FREQMED_CONV_PATH / freqmed.conv.path; "
                + "auto = the self-test decides)");
        Optional<SelfTestReport> rep = shownReport();
        if (rep.isPresent()) {
            SelfTestReport r = rep.get();
            out.add(String.format(Locale.ROOT, "Self-test: %s, %d checks in %.1f s, %d process%s"
                    + " (cache %s)", r.created(), r.tasks().size(), r.millis() / 1000.0,
                    r.processes(), r.processes() == 1 ? "" : "es",
                    EngineSelfTest.cacheFile(r.fingerprint())));
            out.add(String.format(Locale.ROOT, "  %-18s %-7s %-9s %s", "class", "path",
                    "verdict", "worst relative error (case)"));
            for (TaskResult t : r.tasks()) {
                out.add(String.format(Locale.ROOT, "  %-18s %-7s %-9s %s",
                        t.convClass().toLowerCase(Locale.ROOT),
                        t.path().toLowerCase(Locale.ROOT), t.status().toUpperCase(Locale.ROOT),
                        t.status().equals("crash") ? t.worstCase()
                                : String.format(Locale.ROOT, "%.2g (%s)", t.worstError(),
                                        t.worstCase())));
            }
            out.add("  tolerance " + KnownAnswerCheck.TOLERANCE + "; reference: float64 on"
                    + " ATen's own kernels; " + KnownAnswerCheck.REPEATS + " runs per case");
        } else {
            out.add("Self-test: not used (" + routing.reason() + "; --rerun runs it anyway)");
        }
        out.add("Routing:   " + routing.summary());
        out.add("Attention: " + FusedAttention.summary()
                + " (FREQMED_ATTENTION / freqmed.attention: auto, fused or explicit)");
        out.add("Group norm: " + NativeGroupNorm.summary()
                + " (FREQMED_GROUPNORM / freqmed.groupnorm: auto, native or explicit)");
        out.add("Checked shapes and the path each takes:");
        for (ConvClass c : ConvClass.values()) {
            ConvPath p = routing.nativeOnly() ? null : routing.paths().get(c);
            String path = p == null ? "native" : p.name().toLowerCase(Locale.ROOT);
            for (ConvCase cs : ConvCase.forClass(c)) {
                out.add(String.format(Locale.ROOT, "  %-40s %-18s -> %s", cs,
                        c.name().toLowerCase(Locale.ROOT), path));
            }
        }
        return out;
    }

    /**
     * The report as a map, for JSON.
     *
     * @param rerun see {@link #prepare(boolean)}
     * @return the report
     */
    public static Map<String, Object> json(boolean rerun) {
        ConvRouting routing = prepare(rerun);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", CpuInfo.read());
        m.put("engine", EngineSelfTest.engineDescription());
        m.put("onednn_enabled", oneDnn().orElse(null));
        m.put("huge_pages", HostMemory.hugePages());
        m.put("host_memory", HostMemory.summary());
        m.put("mode", routing.mode());
        m.put("routing", routing.paths());
        m.put("reason", routing.reason());
        m.put("attention", FusedAttention.enabled() ? "fused" : "explicit");
        m.put("group_norm", NativeGroupNorm.enabled() ? "native" : "explicit");
        m.put("self_test", shownReport().orElse(null));
        return m;
    }

    private static Optional<Boolean> oneDnn() {
        try {
            return Optional.of(NativeEngine.oneDnnEnabled());
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return Optional.empty();
        }
    }
}
