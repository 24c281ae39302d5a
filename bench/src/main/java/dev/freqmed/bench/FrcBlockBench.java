package dev.freqmed.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freqmed.nn.freq.FrequencyRecalibrationBlock;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * FRCU-Net's frequency re-calibration block alone ({@link FrequencyRecalibrationBlock}, the
 * paper's size: 256 channels, 16×16 bottleneck, attention hidden width 32) on a batch of 8, on
 * the CPU: forward in inference mode, and forward + backward in training mode.
 *
 * <p>Run after {@code mvn -B -o package -pl bench -am -DskipTests}:
 * <pre>
 * java -Dai.djl.offline=true -cp "bench/target/classes:bench/target/lib/*" \
 *     dev.freqmed.bench.FrcBlockBench
 * </pre>
 * Any JMH arguments passed replace the defaults (e.g. {@code -p batch=1,8 -f 1 -wi 3 -i 5}).
 * On a machine shared with other busy processes, set {@code OMP_WAIT_POLICY=PASSIVE} in the
 * environment (the forked JVM inherits it): libtorch's spinning OpenMP threads otherwise make
 * timings several times slower and very noisy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
public class FrcBlockBench {

    /** Batch size. */
    @Param({"8"})
    public int batch;

    /** Channels of the bottleneck. */
    @Param({"256"})
    public int channels;

    /** Side of the square bottleneck. */
    @Param({"16"})
    public int size;

    private NDManager manager;
    private FrequencyRecalibrationBlock block;
    private NDArray input;
    private ParameterStore store;

    /** Builds the block and a random input. */
    @Setup(Level.Trial)
    public void setUp() {
        Engine.getEngine("PyTorch").setRandomSeed(42);
        manager = NDManager.newBaseManager();
        block = new FrequencyRecalibrationBlock(channels, 32, new Random(42));
        Shape shape = new Shape(batch, channels, size, size);
        block.initialize(manager, DataType.FLOAT32, shape);
        input = manager.randomNormal(shape);
        store = new ParameterStore(manager, false);
    }

    /** Releases native memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    /** Inference forward pass; returns a checksum so nothing is optimised away. */
    @Benchmark
    public float forward() {
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = input.duplicate();
            x.attach(sub);
            NDArray y = block.forward(store, new NDList(x), false).singletonOrThrow();
            y.attach(sub);
            return y.get(0, 0, 0, 0).getFloat();
        }
    }

    /** Training-mode forward pass and backward pass of {@code sum(y²)}. */
    @Benchmark
    public float forwardBackward() {
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = input.duplicate();
            x.attach(sub);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = block.forward(store, new NDList(x), true).singletonOrThrow();
                y.attach(sub);
                NDArray loss = y.mul(y).sum();
                gc.backward(loss);
                return loss.getFloat();
            }
        }
    }

    /**
     * Runs this benchmark with JMH; arguments are JMH command-line options.
     *
     * @throws RunnerException when JMH fails
     */
    public static void main(String[] args) throws RunnerException {
        if (args.length > 0) {
            try {
                org.openjdk.jmh.Main.main(appendInclude(args));
            } catch (Exception e) {
                throw new RunnerException(e);
            }
            return;
        }
        Options opt = new OptionsBuilder().include(FrcBlockBench.class.getSimpleName()).build();
        new Runner(opt).run();
    }

    private static String[] appendInclude(String[] args) {
        String[] out = new String[args.length + 1];
        System.arraycopy(args, 0, out, 0, args.length);
        out[args.length] = FrcBlockBench.class.getSimpleName();
        return out;
    }
}
