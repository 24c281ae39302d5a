package dev.freqmed.engine;

import static dev.freqmed.engine.KnownAnswerCheck.host;
import static dev.freqmed.engine.KnownAnswerCheck.random;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.freqmed.tensor.HostArrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Known-answer check of the native group normalisation ({@link NativeGroupNorm}): output and the
 * gradients of the input, scale and shift of {@code sum(groupNorm(x) * g)}, with and without the
 * SiLU after it, for seeded random data (inputs far from zero mean and unit variance, scales and
 * shifts far from one and zero), against the explicit composition in float64. As for
 * convolutions, freed engine memory is filled with NaN first.
 *
 * <p>The cases cover one group and many, channel and position counts that are not multiples of a
 * vector width, and a batch of several samples.
 */
public final class GroupNormCheck {

    /** The class name of the group-norm task in the self-test. */
    public static final String TASK_CLASS = "GROUPNORM";
    /** The path name of the group-norm task in the self-test. */
    public static final String TASK_PATH = "NATIVE";

    /** One shape checked. */
    record Case(int n, int channels, int groups, int h, int w, boolean silu) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "group norm n=%d c=%d groups=%d %dx%d%s", n,
                    channels, groups, h, w, silu ? " + SiLU" : "");
        }
    }

    static final List<Case> CASES = List.of(
            new Case(2, 64, 8, 13, 17, false),
            new Case(1, 128, 32, 40, 33, true),
            new Case(3, 96, 1, 9, 11, true),
            new Case(2, 320, 32, 8, 8, false));

    private GroupNormCheck() {
    }

    /**
     * Checks every case.
     *
     * @param root   the manager to work under
     * @param inject test hook: {@code wrong} corrupts each result before comparing
     * @return the verdict, as task {@code GROUPNORM:NATIVE}
     */
    public static TaskResult check(NDManager root, String inject) {
        boolean corrupt = "wrong".equals(inject);
        return KnownAnswerCheck.runCases(TASK_CLASS, TASK_PATH, CASES, 91_000,
                (c, seed) -> check(root, c, seed, corrupt));
    }

    private static KnownAnswerCheck.Outcome check(NDManager root, Case c, long seed,
            boolean corrupt) {
        try (NDManager m = root.newSubManager()) {
            Random r = new Random(seed);
            int size = c.n * c.channels * c.h * c.w;
            float[][] data = {random(r, size, 3, 1.5), random(r, c.channels, 0.8, 1.2),
                random(r, c.channels, 0.5, -0.3), random(r, size, 1, 0)};
            float[][] ref = run(m, c, data, DataType.FLOAT64, false);
            KnownAnswerCheck.poison(m);
            float[][] got = run(m, c, data, DataType.FLOAT32, true);
            if (corrupt) {
                got[1][got[1].length / 2] += 1f + Math.abs(got[1][got[1].length / 2]);
            }
            return KnownAnswerCheck.worst(got, ref, "forward", "grad x", "grad weight",
                    "grad bias");
        }
    }

    /** {y, dx, dw, db}: the native kernel, or the explicit float64 reference. */
    private static float[][] run(NDManager parent, Case c, float[][] data, DataType type,
            boolean nativeKernel) {
        try (NDManager m = parent.newSubManager()) {
            Shape xs = new Shape(c.n, c.channels, c.h, c.w);
            NDArray x = HostArrays.of(m, data[0], xs).toType(type, false);
            NDArray w = HostArrays.of(m, data[1], new Shape(c.channels)).toType(type, false);
            NDArray b = HostArrays.of(m, data[2], new Shape(c.channels)).toType(type, false);
            NDArray g = HostArrays.of(m, data[3], xs).toType(type, false);
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = nativeKernel
                        ? NativeGroupNorm.nativeKernel(x, c.groups, w, b, 1e-5f, c.silu)
                        : NativeGroupNorm.explicit(x, c.groups, w, b, 1e-5f, c.silu);
                gc.backward(y.mul(g).sum());
            }
            return new float[][] {host(y), host(x.getGradient()), host(w.getGradient()),
                host(b.getGradient())};
        }
    }
}
