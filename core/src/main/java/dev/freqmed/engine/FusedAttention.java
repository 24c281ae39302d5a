package dev.freqmed.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * The engine's fused attention kernel, {@code softmax(q kᵀ / sqrt(d)) v} in one call
 * (libtorch's {@code scaled_dot_product_attention}: on a CPU its blocked "flash" kernel, on a GPU
 * cuDNN / flash / memory-efficient kernels). It never holds the {@code Lq × Lk} score matrix,
 * forward or backward: the backward pass recomputes the scores block by block from the saved
 * log-sum-exp. Against a softmax of explicit matrix products it is 10–20× faster on a CPU at a
 * few thousand tokens and needs memory linear in the token count while training.
 *
 * <p>DJL exposes no binding for that operator, so FreqMed reaches it through a TorchScript
 * module of one method ({@link TorchScript}, {@link #MODULE}): gradients flow
 * to q, k and v as through any other operator.
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

    private static final CheckedKernel MODE = new CheckedKernel("attention",
            "freqmed.attention", "FREQMED_ATTENTION", "fused", AttentionCheck.TASK_CLASS);
    /** The module: one method, the engine's fused attention. */
    static final TorchScript.LazyModule MODULE = new TorchScript.LazyModule("FusedAttention",
            "return torch.scaled_dot_product_attention(q, k, v)", "q", "k", "v");

    private FusedAttention() {
    }

    /**
     * Whether attention in this thread takes the fused kernel (a {@link #withFused} override
     * first, then the mode of the process).
     *
     * @return true for the fused kernel
     */
    public static boolean enabled() {
        return MODE.enabled();
    }

    /** Forgets the decision, so the next use decides again (after a new self-test verdict). */
    static void forget() {
        MODE.forget();
    }

    /** The configured mode, lower case: {@code auto}, {@code fused} or {@code explicit}. */
    public static String configuredMode() {
        return MODE.configuredMode();
    }

    /** One line for {@code freqmed doctor}: the path attention takes and why. */
    public static String summary() {
        boolean on = enabled();
        return (on ? "fused (scaled_dot_product_attention)" : "explicit (matrix products"
                + " and softmax, query-chunked)") + " [" + MODE.reason() + "]";
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
        return MODE.with(fused, body);
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
        return IValueUtils.forward(MODULE.get(), new NDList(q, k, v), recording)
                .singletonOrThrow();
    }
}
