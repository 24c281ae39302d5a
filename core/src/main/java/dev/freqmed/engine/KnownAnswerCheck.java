package dev.freqmed.engine;

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
 * Known-answer checks of one convolution path: forward output, input gradient (backward-data),
 * weight and bias gradients (backward-weights) of {@code sum(conv(x, w, b) * g)} for seeded random
 * {@code x, w, b, g}, against the same computation in float64 on ATen's own kernels (oneDNN has no
 * float64 convolution, so the reference never reaches the kernels under test). Before each run on
 * the path the allocator's free memory is filled with NaN, so a kernel that reads memory it did
 * not write shows it.
 */
public final class KnownAnswerCheck {

    /** Largest accepted {@code max|got - ref| / max|ref|}; float32 rounding stays near 1e-6. */
    public static final double TOLERANCE = 1e-4;

    /** Runs per case, each with fresh random data. */
    static final int REPEATS = 2;

    private KnownAnswerCheck() {
    }

    /** What a case run found: the worst relative error and where. */
    record Outcome(double error, String where) {
    }

    /**
     * Checks every case of a class on a path.
     *
     * @param root   the manager to work under
     * @param c      the class
     * @param path   the path
     * @param inject test hook: {@code wrong} corrupts each result before comparing, anything
     *               else (or null) nothing
     * @return the verdict
     */
    public static TaskResult checkClass(NDManager root, ConvClass c, ConvPath path,
            String inject) {
        boolean corrupt = "wrong".equals(inject);
        return runCases(c.name(), path.name(), ConvCase.forClass(c), 1000L * c.ordinal(),
                (cs, seed) -> check(root, cs, path, seed, corrupt));
    }

    /** One check of one case with the seed of its data. */
    interface CaseCheck<C> {
        Outcome check(C c, long seed);
    }

    /**
     * Runs every case {@link #REPEATS} times, each with fresh data (seeds from {@code firstSeed}
     * on), and keeps the worst error.
     *
     * @param taskClass the task's class
     * @param taskPath  the task's path
     * @param cases     the cases
     * @param firstSeed the first seed
     * @param check     one check
     * @param <C>       the case type
     * @return the verdict: pass when the worst error is within {@link #TOLERANCE}
     */
    static <C> TaskResult runCases(String taskClass, String taskPath, List<C> cases,
            long firstSeed, CaseCheck<C> check) {
        long t0 = System.nanoTime();
        double worst = 0;
        String where = "";
        int runs = 0;
        long seed = firstSeed;
        for (C cs : cases) {
            for (int rep = 0; rep < REPEATS; rep++) {
                Outcome o = check.check(cs, seed++);
                runs++;
                if (!(o.error <= worst)) { // NaN-safe: a NaN error always becomes the worst
                    worst = o.error;
                    where = cs + " " + o.where;
                }
            }
        }
        boolean ok = worst <= TOLERANCE;
        return new TaskResult(taskClass, taskPath, ok ? "pass" : "fail",
                Double.isNaN(worst) ? Double.POSITIVE_INFINITY : worst, where, runs,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Checks one case once.
     *
     * @param root   manager
     * @param cs     the case
     * @param path   the path under test
     * @param seed   random seed of the data
     * @param corrupt test hook: corrupt the path's input gradient before comparing
     * @return the worst relative error over the four results and which one it was
     */
    static Outcome check(NDManager root, ConvCase cs, ConvPath path, long seed,
            boolean corrupt) {
        try (NDManager m = root.newSubManager()) {
            Random r = new Random(seed);
            int g = cs.groups();
            float[] x = random(r, cs.n() * cs.ci() * cs.h() * cs.w());
            float[] w = random(r, cs.co() * (cs.ci() / g) * cs.kh() * cs.kw());
            float[] b = random(r, cs.co());
            float[] gy = random(r, cs.n() * cs.co() * cs.outH() * cs.outW());
            float[][] ref = run(m, cs, ConvPath.ENGINE, DataType.FLOAT64, x, w, b, gy);
            poison(m);
            float[][] got = run(m, cs, path, DataType.FLOAT32, x, w, b, gy);
            if (corrupt) {
                got[1][got[1].length / 2] += 1f + Math.abs(got[1][got[1].length / 2]);
            }
            return worst(got, ref, "forward", "backward-data", "backward-weights",
                    "backward-bias");
        }
    }

    /**
     * The worst relative error over several results and which it was.
     *
     * @param got   the results under test
     * @param ref   the reference results, in the same order
     * @param names a name per result
     * @return the worst error and {@code "name (error)"}
     */
    static Outcome worst(float[][] got, float[][] ref, String... names) {
        double worst = 0;
        String where = names[0];
        for (int i = 0; i < names.length; i++) {
            double e = relativeError(got[i], ref[i]);
            if (!(e <= worst)) { // NaN-safe: a NaN error always becomes the worst
                worst = e;
                where = names[i];
            }
        }
        return new Outcome(worst, where + String.format(Locale.ROOT, " (%.2g)", worst));
    }

    /** {@code max|got - ref| / max|ref|}; NaN when {@code got} holds a NaN or infinity. */
    static double relativeError(float[] got, float[] ref) {
        double diff = 0;
        double scale = 1e-30;
        for (int i = 0; i < ref.length; i++) {
            if (!Float.isFinite(got[i])) {
                return Double.NaN;
            }
            diff = Math.max(diff, Math.abs((double) got[i] - ref[i]));
            scale = Math.max(scale, Math.abs(ref[i]));
        }
        return diff / scale;
    }

    /** Returns {y, dx, dw, db} as float arrays, dx in the input's logical NCHW order. */
    private static float[][] run(NDManager parent, ConvCase cs, ConvPath path, DataType type,
            float[] xs, float[] ws, float[] bs, float[] gys) {
        try (NDManager m = parent.newSubManager()) {
            Shape xShape = cs.channelsLast()
                    ? new Shape(cs.n(), cs.h(), cs.w(), cs.ci())
                    : new Shape(cs.n(), cs.ci(), cs.h(), cs.w());
            NDArray xl = HostArrays.of(m, xs, xShape).toType(type, false);
            NDArray w = HostArrays.of(m, ws,
                            new Shape(cs.co(), cs.ci() / cs.groups(), cs.kh(), cs.kw()))
                    .toType(type, false);
            NDArray b = HostArrays.of(m, bs, new Shape(cs.co())).toType(type, false);
            NDArray gy = HostArrays.of(m, gys, new Shape(cs.n(), cs.co(), cs.outH(), cs.outW()))
                    .toType(type, false);
            xl.setRequiresGradient(true);
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = cs.channelsLast() ? xl.transpose(0, 3, 1, 2) : xl;
                y = Convolutions.conv2d(path, x, w, b, new Shape(cs.stride(), cs.stride()),
                        new Shape(cs.pad(), cs.pad()), new Shape(cs.dilation(), cs.dilation()),
                        cs.groups());
                gc.backward(y.mul(gy).sum());
            }
            NDArray dx = xl.getGradient();
            if (cs.channelsLast()) {
                dx = dx.transpose(0, 3, 1, 2);
            }
            return new float[][] {host(y), host(dx), host(w.getGradient()),
                host(b.getGradient())};
        }
    }

    /** The array's values as float32, in standard layout. */
    static float[] host(NDArray a) {
        return Convolutions.contiguous(a).toType(DataType.FLOAT32, false).toFloatArray();
    }

    /** Standard normal values. */
    static float[] random(Random r, int size) {
        return random(r, size, 1, 0);
    }

    /** Normal values of mean {@code offset} and standard deviation {@code scale}. */
    static float[] random(Random r, int size, double scale, double offset) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) (offset + scale * r.nextGaussian());
        }
        return v;
    }

    /**
     * Fills freed engine memory with NaN bit patterns: arrays of many sizes are filled and
     * released, so the allocator hands that memory to the next kernel's workspaces.
     */
    static void poison(NDManager parent) {
        try (NDManager m = parent.newSubManager()) {
            for (int size = 16; size <= (1 << 21); size *= 2) {
                m.full(new Shape(size), Float.NaN);
            }
        }
    }
}
