package dev.freqmed.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Group normalisation, optionally followed by SiLU, on the engine's own kernel (libtorch's
 * {@code group_norm}: two passes over the data, statistics and normalisation with the affine
 * step fused) instead of FreqMed's explicit composition of plain operators (mean, centring,
 * variance, division, scale, shift, then SiLU: about nine passes and as many temporaries). On a
 * 128 × 512² map the native kernel with SiLU takes about a third of the explicit composition's
 * time (12 against 40 ms on two cores); the SD-Turbo VAE runs many of them at full resolution.
 *
 * <p>DJL has no binding for the operator, so it is reached through a TorchScript module
 * ({@link TorchScript}, {@link #MODULE}); gradients flow to the input, the scale and the
 * shift through libtorch's autograd. Outside autograd the SiLU runs in place on the normalised
 * map.
 *
 * <p><b>Whether it is used.</b> As for the fused attention kernel: where the engine self-test
 * found it right on this CPU ({@link GroupNormCheck}, task {@code GROUPNORM:NATIVE}); the system
 * property {@code freqmed.groupnorm} or the environment variable {@code FREQMED_GROUPNORM} may
 * force {@code native} or {@code explicit}; the default {@code auto} follows the self-test and is
 * explicit without a verdict.
 */
public final class NativeGroupNorm {

    private static final CheckedKernel MODE = new CheckedKernel("group norm",
            "freqmed.groupnorm", "FREQMED_GROUPNORM", "native", GroupNormCheck.TASK_CLASS);
    /**
     * The module. {@code spec} carries the settings as its shape and value: {@code (groups, 1)}
     * for the normalisation alone, {@code (groups, 2)} with SiLU after it, filled with epsilon.
     */
    static final TorchScript.LazyModule MODULE = new TorchScript.LazyModule("NativeGroupNorm",
            "y = torch.group_norm(x, spec.size(0), w, b, float(spec[0, 0]))\n"
                    + "if spec.size(1) == 2:\n"
                    + "  if torch.is_grad_enabled():\n"
                    + "    y = torch.silu(y)\n"
                    + "  else:\n"
                    + "    y = torch.silu_(y)\n"
                    + "return y",
            "x", "w", "b", "spec");
    private static final Map<SpecKey, NDArray> SPECS = new ConcurrentHashMap<>();

    /** The settings one {@code spec} array stands for. */
    private record SpecKey(int groups, boolean silu, float eps) {
    }

    private NativeGroupNorm() {
    }

    /** The manager of the settings arrays, made on first use and never closed. */
    private static final class SpecManager {
        static final NDManager MANAGER = ai.djl.engine.Engine.getEngine("PyTorch")
                .newBaseManager();
    }

    /**
     * Whether group normalisation in this thread takes the native kernel.
     *
     * @return true for the native kernel
     */
    public static boolean enabled() {
        return MODE.enabled();
    }

    /** Forgets the decision, so the next use decides again. */
    static void forget() {
        MODE.forget();
    }

    /** One line for {@code freqmed doctor}: the path group normalisation takes and why. */
    public static String summary() {
        return (enabled() ? "native (group_norm)" : "explicit (mean, variance, scale, shift)")
                + " [" + MODE.reason() + "]";
    }

    /**
     * Runs {@code body} with the native kernel on or off in this thread (tests compare the two).
     *
     * @param on   whether to use the native kernel
     * @param body the computation
     * @param <T>  its result type
     * @return its result
     */
    public static <T> T withNative(boolean on, Supplier<T> body) {
        return MODE.with(on, body);
    }

    /**
     * {@code GroupNorm(groups)(x)·weight + bias}, then SiLU when asked, on the path
     * {@link #enabled()} chooses.
     *
     * @param x      input {@code (N, C, *)}
     * @param groups groups; {@code C} must be a multiple
     * @param weight per-channel scale {@code (C)}
     * @param bias   per-channel shift {@code (C)}
     * @param eps    added to the variance
     * @param silu   whether SiLU follows
     * @return the result, attached to the manager of {@code x}
     */
    public static NDArray apply(NDArray x, int groups, NDArray weight, NDArray bias, float eps,
            boolean silu) {
        return enabled() ? nativeKernel(x, groups, weight, bias, eps, silu)
                : explicit(x, groups, weight, bias, eps, silu);
    }

    /**
     * The native kernel, whatever {@link #enabled()} says (the self-test calls it to check it).
     *
     * @param x      input {@code (N, C, *)}
     * @param groups groups
     * @param weight scale {@code (C)}
     * @param bias   shift {@code (C)}
     * @param eps    epsilon
     * @param silu   whether SiLU follows
     * @return the result
     */
    static NDArray nativeKernel(NDArray x, int groups, NDArray weight, NDArray bias, float eps,
            boolean silu) {
        NDArray spec = spec(groups, silu, eps);
        boolean recording = JniUtils.isGradMode();
        return IValueUtils.forward(MODULE.get(), new NDList(x, weight, bias, spec), recording)
                .singletonOrThrow();
    }

    /**
     * The explicit composition: the groups' mean and biased variance, {@code (x - mean) /
     * sqrt(var + eps)}, the per-channel scale and shift, and {@code y·sigmoid(y)} when asked.
     *
     * @param x      input {@code (N, C, *)}
     * @param groups groups
     * @param weight scale {@code (C)}
     * @param bias   shift {@code (C)}
     * @param eps    epsilon
     * @param silu   whether SiLU follows
     * @return the result
     */
    public static NDArray explicit(NDArray x, int groups, NDArray weight, NDArray bias,
            float eps, boolean silu) {
        Shape shape = x.getShape();
        NDArray grouped = x.reshape(shape.get(0), groups, -1);
        NDArray mean = grouped.mean(new int[] {2}, true);
        NDArray centred = grouped.sub(mean);
        NDArray var = centred.square().mean(new int[] {2}, true);
        NDArray y = centred.div(var.add(eps).sqrt()).reshape(shape);
        long[] perChannel = new long[shape.dimension()];
        Arrays.fill(perChannel, 1);
        perChannel[1] = shape.get(1);
        y = y.mul(weight.reshape(perChannel)).add(bias.reshape(perChannel));
        return silu ? y.mul(y.getNDArrayInternal().sigmoid()) : y;
    }

    private static NDArray spec(int groups, boolean silu, float eps) {
        return SPECS.computeIfAbsent(new SpecKey(groups, silu, eps), k -> {
            NDArray s = SpecManager.MANAGER.full(new Shape(groups, silu ? 2 : 1), eps);
            s.setRequiresGradient(false);
            return s;
        });
    }
}
