package dev.freqmed.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's fused attention kernel, {@code softmax(q kᵀ / sqrt(d)) v} in one call
 * (libtorch's {@code scaled_dot_product_attention}: on a CPU its blocked "flash" kernel, on a GPU
 * cuDNN / flash / memory-efficient kernels). It never holds the {@code Lq × Lk} score matrix,
 * forward or backward: the backward pass recomputes the scores block by block from the saved
 * log-sum-exp. Against a softmax of explicit matrix products it is 10–20× faster on a CPU at a
 * few thousand tokens and needs memory linear in the token count while training.
 *
 * <p>DJL exposes no binding for that operator, so FreqMed builds, in memory, a TorchScript
 * module of one method that calls it (its source text is {@link #SOURCE}; no parameters, no
 * tensors) and runs it with libtorch's own autograd: gradients flow to q, k and v as through any
 * other operator.
 *
 * <p><b>Whether it is used.</b> Like a convolution kernel, the fused kernel is used only where
 * the engine self-test found it right on this CPU and engine ({@link AttentionCheck}, task
 * {@code ATTENTION:FUSED}); otherwise attention takes the explicit path (matrix products and a
 * softmax, query-chunked). The system property {@code freqmed.attention} or the environment
 * variable {@code FREQMED_ATTENTION} may force {@code fused} or {@code explicit}; the default
 * {@code auto} follows the self-test (and is explicit when no self-test verdict exists, e.g. with
 * a forced convolution path and no cached report).
 */
public final class FusedAttention {

    /** The TorchScript source of the module: one method, the engine's fused attention. */
    static final String SOURCE = "class FusedAttention(Module):\n"
            + "  __parameters__ = []\n"
            + "  __buffers__ = []\n"
            + "  training : bool\n"
            + "  def forward(self: __torch__.FusedAttention,\n"
            + "    q: Tensor,\n"
            + "    k: Tensor,\n"
            + "    v: Tensor) -> Tensor:\n"
            + "    return torch.scaled_dot_product_attention(q, k, v)\n";

    private static final Logger LOG = LoggerFactory.getLogger(FusedAttention.class);
    private static final ThreadLocal<Boolean> OVERRIDE = new ThreadLocal<>();
    private static volatile Boolean decided;
    /** Why the process decided as it did (logged, and shown by {@link #summary}). */
    private static volatile String reason = "not decided";
    private static volatile PtSymbolBlock module;

    private FusedAttention() {
    }

    /**
     * Whether attention in this thread takes the fused kernel (a {@link #withFused} override
     * first, then the mode of the process).
     *
     * @return true for the fused kernel
     */
    public static boolean enabled() {
        Boolean o = OVERRIDE.get();
        if (o != null) {
            return o;
        }
        Boolean d = decided;
        if (d == null) {
            synchronized (FusedAttention.class) {
                d = decided;
                if (d == null) {
                    d = decide(configuredMode());
                    decided = d;
                }
            }
        }
        return d;
    }

    /** Forgets the decision, so the next use decides again (after a new self-test verdict). */
    static void forget() {
        decided = null;
    }

    /** The configured mode, lower case: {@code auto}, {@code fused} or {@code explicit}. */
    public static String configuredMode() {
        String m = System.getProperty("freqmed.attention");
        if (m == null || m.isBlank()) {
            m = System.getenv("FREQMED_ATTENTION");
        }
        return m == null || m.isBlank() ? "auto" : m.trim().toLowerCase(Locale.ROOT);
    }

    /** One line for {@code freqmed doctor}: the path attention takes and why. */
    public static String summary() {
        boolean on = enabled();
        return (on ? "fused (scaled_dot_product_attention)" : "explicit (matrix products"
                + " and softmax, query-chunked)") + " [" + reason + "]";
    }

    private static boolean decide(String mode) {
        boolean on;
        String why;
        switch (mode) {
            case "fused":
                on = true;
                why = "forced by FREQMED_ATTENTION=fused";
                break;
            case "explicit":
                on = false;
                why = "forced by FREQMED_ATTENTION=explicit";
                break;
            case "auto": {
                Optional<SelfTestReport> r = ConvRouter.report();
                if (r.isEmpty()) {
                    r = EngineSelfTest.cached();
                }
                Optional<TaskResult> t = r.flatMap(SelfTestReport::attentionTask);
                on = t.map(TaskResult::passed).orElse(false);
                why = t.map(x -> "self-test " + x.status()).orElse("no self-test verdict");
                break;
            }
            default:
                throw new IllegalArgumentException("FREQMED_ATTENTION / freqmed.attention:"
                        + " expected auto, fused or explicit, found '" + mode + "'");
        }
        LOG.info("attention: {} [{}]", on ? "fused kernel" : "explicit", why);
        reason = why;
        return on;
    }

    /**
     * Runs {@code body} with attention in this thread on the fused kernel or not (tests compare
     * the two with it).
     *
     * @param fused whether to use the fused kernel
     * @param body  the computation
     * @param <T>   its result type
     * @return its result
     */
    public static <T> T withFused(boolean fused, Supplier<T> body) {
        return ConvRouter.withOverride(OVERRIDE, fused, body);
    }

    /**
     * {@code softmax(q kᵀ / sqrt(d)) v} on the fused kernel, whatever {@link #enabled()} says
     * (the self-test calls it to check it).
     *
     * @param q queries {@code (..., Lq, d)}
     * @param k keys {@code (..., Lk, d)}
     * @param v values {@code (..., Lk, dv)}
     * @return {@code (..., Lq, dv)}, attached to the manager of {@code q}
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v) {
        boolean recording = JniUtils.isGradMode();
        return IValueUtils.forward(module(), new NDList(q, k, v), recording).singletonOrThrow();
    }

    private static PtSymbolBlock module() {
        PtSymbolBlock m = module;
        if (m == null) {
            synchronized (FusedAttention.class) {
                m = module;
                if (m == null) {
                    // Its manager is never closed: the module lives as long as the process.
                    PtNDManager owner = (PtNDManager) ai.djl.engine.Engine.getEngine("PyTorch")
                            .newBaseManager();
                    try {
                        m = JniUtils.loadModule(owner, new ByteArrayInputStream(archive()),
                                false, false);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot load the fused attention module",
                                e);
                    }
                    module = m;
                }
            }
        }
        return m;
    }

    /**
     * The module as a TorchScript archive: {@code data.pkl} (the module object: class
     * {@code __torch__.FusedAttention}, attribute {@code training}), its code, an empty constants
     * table and the format version, stored uncompressed.
     */
    static byte[] archive() {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        // Pickle protocol 2: GLOBAL __torch__ FusedAttention, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT,
        // BINUNICODE "training", NEWTRUE, SETITEM, BUILD, STOP.
        pickle.writeBytes(new byte[] {(byte) 0x80, 2, 'c'});
        pickle.writeBytes("__torch__\nFusedAttention\n".getBytes(StandardCharsets.US_ASCII));
        pickle.writeBytes(new byte[] {')', (byte) 0x81, '}', 'X', 8, 0, 0, 0});
        pickle.writeBytes("training".getBytes(StandardCharsets.US_ASCII));
        pickle.writeBytes(new byte[] {(byte) 0x88, 's', 'b', '.'});
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            stored(z, "archive/data.pkl", pickle.toByteArray());
            stored(z, "archive/code/__torch__.py", SOURCE.getBytes(StandardCharsets.UTF_8));
            stored(z, "archive/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            stored(z, "archive/version", "6\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zip.toByteArray();
    }

    private static void stored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }
}
