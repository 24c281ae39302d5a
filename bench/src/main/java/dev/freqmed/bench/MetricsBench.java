package dev.freqmed.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.metric.EvaluationInputs;
import dev.freqmed.metric.EvaluationInputs.FilePair;
import dev.freqmed.metric.InstanceMap;
import dev.freqmed.metric.InstanceSegmentationMetrics;
import dev.freqmed.metric.MetricResult;
import dev.freqmed.metric.SaliencyPair;
import dev.freqmed.metric.SodMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * End-to-end timing of the two heavy metric workloads, reading PNG files and computing in
 * parallel over all cores as {@code freqmed evaluate} does; prints JSON on standard output.
 *
 * <ul>
 *   <li>{@code sod}: every PySODMetrics measure (MAE, S, weighted F, E and F curves, HCE) over the
 *       pairs of {@code DIR/pred} and {@code DIR/gt} (default: 100 synthetic 1024x1024 maps);</li>
 *   <li>{@code instance}: HoVer-Net statistics (Dice, AJI, AJI+, Dice-2, PQ) over 16-bit instance
 *       maps (default: 16 synthetic 1000x1000 maps with about 400 nuclei each).</li>
 * </ul>
 *
 * <p>Usage: {@code MetricsBench [--sod DIR] [--instance DIR] [--repeat N]}. Without folders,
 * synthetic data are written to a temporary folder first (not timed).
 */
public final class MetricsBench {

    private MetricsBench() {
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws IOException {
        Path sod = null;
        Path inst = null;
        int repeat = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sod" -> sod = Path.of(args[++i]);
                case "--instance" -> inst = Path.of(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: MetricsBench [--sod DIR] [--instance DIR] [--repeat N]");
            }
        }
        if (sod == null) {
            sod = synthesiseSod(Files.createTempDirectory("freqmed-bench-sod"), 100, 1024);
        }
        if (inst == null) {
            inst = synthesiseInstances(Files.createTempDirectory("freqmed-bench-inst"), 16, 1000,
                    400);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
        out.put("java", System.getProperty("java.version"));
        out.put("sod", runSod(sod, repeat));
        out.put("instance", runInstance(inst, repeat));
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(out));
    }

    private static Map<String, Object> runSod(Path dir, int repeat) throws IOException {
        List<FilePair> pairs = EvaluationInputs.pair(dir.resolve("pred"), dir.resolve("gt"),
                EvaluationInputs.IMAGE_EXTENSIONS, "map");
        List<Double> seconds = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        MetricResult result = null;
        List<SodMetrics.ImageResult> per = null;
        long peak = 0;
        for (int r = 0; r < repeat; r++) {
            resetPeaks();
            long t0 = System.nanoTime();
            long c0 = processCpuNanos();
            per = SodMetrics.evaluateAll(pairs.size(), i -> {
                try {
                    GrayImage p = EvaluationInputs.readGray(pairs.get(i).pred());
                    GrayImage g = EvaluationInputs.readGray(pairs.get(i).truth());
                    return SaliencyPair.of(p, g);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            SodMetrics m = new SodMetrics();
            per.forEach(m::add);
            result = m.result();
            seconds.add((System.nanoTime() - t0) / 1e9);
            cpu.add((processCpuNanos() - c0) / 1e9);
            peak = Math.max(peak, peakHeap());
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("images", pairs.size());
        o.put("seconds_per_run", seconds);
        o.put("process_cpu_seconds_per_run", cpu);
        o.put("peak_heap_mib", peak >> 20);
        Map<String, Object> values = new LinkedHashMap<>(result.scalars());
        values.put("per_image_HCE", per.stream().map(SodMetrics.ImageResult::hce).toList());
        values.put("per_image_wF", per.stream().map(SodMetrics.ImageResult::wfmeasure).toList());
        values.put("per_image_S", per.stream().map(SodMetrics.ImageResult::smeasure).toList());
        o.put("values", values);
        return o;
    }

    private static Map<String, Object> runInstance(Path dir, int repeat) throws IOException {
        List<FilePair> pairs = EvaluationInputs.pair(dir.resolve("pred"), dir.resolve("gt"),
                EvaluationInputs.INSTANCE_EXTENSIONS, "instance map");
        List<Double> seconds = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<MetricResult> per = null;
        long peak = 0;
        InstanceSegmentationMetrics metric = new InstanceSegmentationMetrics();
        for (int r = 0; r < repeat; r++) {
            resetPeaks();
            long t0 = System.nanoTime();
            long c0 = processCpuNanos();
            per = metric.computeAll(pairs.size(), i -> {
                try {
                    return new InstanceMap[] {EvaluationInputs.readInstanceMap(pairs.get(i).pred()),
                        EvaluationInputs.readInstanceMap(pairs.get(i).truth())};
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            seconds.add((System.nanoTime() - t0) / 1e9);
            cpu.add((processCpuNanos() - c0) / 1e9);
            peak = Math.max(peak, peakHeap());
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("images", pairs.size());
        o.put("seconds_per_run", seconds);
        o.put("process_cpu_seconds_per_run", cpu);
        o.put("peak_heap_mib", peak >> 20);
        o.put("per_image", per.stream().map(MetricResult::toTree).toList());
        return o;
    }

    /** CPU time of the whole process (all threads), or -1 where the JVM cannot tell. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) {
            b.resetPeakUsage();
        }
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) {
            if (b.getType() == MemoryType.HEAP) {
                sum += b.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Blobs as masks, blurred noisy shifted copies as maps. */
    static Path synthesiseSod(Path dir, int count, int size) throws IOException {
        Files.createDirectories(dir.resolve("pred"));
        Files.createDirectories(dir.resolve("gt"));
        Random rnd = new Random(7);
        for (int k = 0; k < count; k++) {
            int[] gt = new int[size * size];
            int[] pr = new int[size * size];
            int blobs = 2 + rnd.nextInt(4);
            double[][] e = new double[blobs][];
            for (int b = 0; b < blobs; b++) {
                e[b] = new double[] {100 + rnd.nextInt(size - 200), 100 + rnd.nextInt(size - 200),
                    30 + rnd.nextInt(220), 30 + rnd.nextInt(220)};
            }
            int sx = rnd.nextInt(31) - 15;
            int sy = rnd.nextInt(31) - 15;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    gt[y * size + x] = inside(e, x, y) ? 255 : 0;
                    double soft = inside(e, x - sx, y - sy) ? 200 : 40;
                    pr[y * size + x] = (int) Math.max(0, Math.min(255, soft
                            + rnd.nextGaussian() * 30));
                }
            }
            String name = String.format("%03d.png", k);
            ImageIo.writeGray8(dir.resolve("gt").resolve(name), new GrayImage(size, size, 8, gt));
            ImageIo.writeGray8(dir.resolve("pred").resolve(name), new GrayImage(size, size, 8, pr));
        }
        return dir;
    }

    private static boolean inside(double[][] e, int x, int y) {
        for (double[] b : e) {
            double dx = (x - b[0]) / b[2];
            double dy = (y - b[1]) / b[3];
            if (dx * dx + dy * dy <= 1) {
                return true;
            }
        }
        return false;
    }

    /** Non-touching disks as truth; jittered, partly missing disks plus false positives. */
    static Path synthesiseInstances(Path dir, int count, int size, int nuclei) throws IOException {
        Files.createDirectories(dir.resolve("pred"));
        Files.createDirectories(dir.resolve("gt"));
        Random rnd = new Random(11);
        for (int k = 0; k < count; k++) {
            int[] t = new int[size * size];
            int[] p = new int[size * size];
            int placed = 0;
            int id = 1;
            for (int tries = 0; tries < 20000 && placed < nuclei; tries++) {
                int cx = 15 + rnd.nextInt(size - 30);
                int cy = 15 + rnd.nextInt(size - 30);
                if (t[cy * size + cx] != 0) {
                    continue;
                }
                int r = 7 + rnd.nextInt(6);
                disk(t, size, cx, cy, r, id++);
                placed++;
                if (rnd.nextDouble() >= 0.05) {
                    disk(p, size, cx + rnd.nextInt(7) - 3, cy + rnd.nextInt(7) - 3,
                            Math.max(3, r + rnd.nextInt(7) - 3), id++);
                }
            }
            for (int f = 0; f < 20; f++) {
                disk(p, size, 15 + rnd.nextInt(size - 30), 15 + rnd.nextInt(size - 30),
                        5 + rnd.nextInt(5), id++);
            }
            String name = String.format("%02d.png", k);
            ImageIo.writeGray16(dir.resolve("gt").resolve(name), new GrayImage(size, size, 16, t));
            ImageIo.writeGray16(dir.resolve("pred").resolve(name), new GrayImage(size, size, 16,
                    p));
        }
        return dir;
    }

    private static void disk(int[] m, int size, int cx, int cy, int r, int id) {
        for (int y = Math.max(0, cy - r); y <= Math.min(size - 1, cy + r); y++) {
            for (int x = Math.max(0, cx - r); x <= Math.min(size - 1, cx + r); x++) {
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) {
                    m[y * size + x] = id;
                }
            }
        }
    }
}
