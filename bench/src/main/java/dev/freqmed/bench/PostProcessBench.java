package dev.freqmed.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.freqmed.post.HoverPostProcessor;
import dev.freqmed.post.HvTargets;
import dev.freqmed.post.NucleusInstances;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Wall time of the nucleus post-processing ({@link HoverPostProcessor}) on one synthetic
 * 1000x1000 tile with about 400 nuclei (ellipses of radii 5..12 px, painted in random order so
 * that many touch), NP = the nucleus mask, HV = {@link HvTargets}, 5 one-hot type channels;
 * prints JSON on standard output: the median and all runs of {@code process} (which overlaps
 * independent steps on two cores), the median of {@code process} without type channels, the medians of the steps run one after another, and the
 * instances found.
 *
 * <p>Usage: {@code PostProcessBench [--size N] [--nuclei N] [--repeat N] [--dump DIR]}; with
 * {@code --dump} the inputs are also written as float32 {@code .npy} files ({@code np.npy},
 * {@code hv0.npy}, {@code hv1.npy}, {@code types.npy} (K, H, W)) so another implementation can
 * be timed on exactly the same maps, with the instances found ({@code instances.npy}).
 */
public final class PostProcessBench {

    private PostProcessBench() {
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws IOException {
        int size = 1000;
        int nuclei = 400;
        int repeat = 10;
        Path dump = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--nuclei" -> nuclei = Integer.parseInt(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--dump" -> dump = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: PostProcessBench [--size N] [--nuclei N] [--repeat N]"
                        + " [--dump DIR]");
            }
        }
        int[] inst = synthesise(size, nuclei, new Random(7));
        int n = size * size;
        float[] np = new float[n];
        for (int i = 0; i < n; i++) {
            np[i] = inst[i] > 0 ? 1f : 0f;
        }
        float[][] hv = HvTargets.compute(inst, size, size);
        int k = 5;
        float[][] types = new float[k][n];
        Random rt = new Random(3);
        int max = Arrays.stream(inst).max().orElse(0);
        int[] typeOf = new int[max + 1];
        for (int id = 1; id <= max; id++) {
            typeOf[id] = 1 + rt.nextInt(k - 1);
        }
        for (int i = 0; i < n; i++) {
            types[inst[i] == 0 ? 0 : typeOf[inst[i]]][i] = 1f;
        }
        if (dump != null) {
            Files.createDirectories(dump);
            writeNpy(dump.resolve("np.npy"), np, size, size);
            writeNpy(dump.resolve("hv0.npy"), hv[0], size, size);
            writeNpy(dump.resolve("hv1.npy"), hv[1], size, size);
            float[] flat = new float[k * n];
            for (int c = 0; c < k; c++) {
                System.arraycopy(types[c], 0, flat, c * n, n);
            }
            writeNpy(dump.resolve("types.npy"), flat, k, size, size);
        }
        HoverPostProcessor post = new HoverPostProcessor();
        HoverPostProcessor.Settings s = post.settings();
        int truth = (int) Arrays.stream(inst).filter(v -> v > 0).distinct().count();
        List<Double> total = new ArrayList<>();
        List<Double> untyped = new ArrayList<>();
        double[][] steps = new double[5][repeat];
        NucleusInstances out = null;
        for (int r = -3; r < repeat; r++) {
            long t0 = System.nanoTime();
            int[] mask = HoverPostProcessor.watershedMask(np, size, size,
                    s.foregroundThreshold(), s.minObjectSize());
            long t1 = System.nanoTime();
            double[] e = HoverPostProcessor.edges(hv[0], hv[1], mask, size, size,
                    s.sobelKernel(), s.directions());
            double[] dist = HoverPostProcessor.distance(e, mask, size, size);
            long t2 = System.nanoTime();
            int[] markers = HoverPostProcessor.markers(e, mask, size, size, s.edgeThreshold(),
                    s.markerKernel(), s.minMarkerSize());
            long t3 = System.nanoTime();
            int[] labels = HoverPostProcessor.watershed(dist, markers, mask, size, size);
            long t4 = System.nanoTime();
            out = HoverPostProcessor.typeVote(labels, types, size, size);
            long t5 = System.nanoTime();
            NucleusInstances whole = post.process(np, hv[0], hv[1], types, size, size);
            long t6 = System.nanoTime();
            post.process(np, hv[0], hv[1], null, size, size);
            long t7 = System.nanoTime();
            if (whole.count() != out.count()) {
                throw new IllegalStateException("process() and the steps disagree");
            }
            if (r >= 0) {
                total.add((t6 - t5) / 1e9);
                untyped.add((t7 - t6) / 1e9);
                long[] t = {t0, t1, t2, t3, t4, t5};
                for (int j = 0; j < 5; j++) {
                    steps[j][r] = (t[j + 1] - t[j]) / 1e9;
                }
            }
        }
        if (dump != null) {
            float[] ids = new float[n];
            for (int i = 0; i < n; i++) {
                ids[i] = out.instances()[i];
            }
            writeNpy(dump.resolve("instances.npy"), ids, size, size);
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("cores", Runtime.getRuntime().availableProcessors());
        o.put("java", System.getProperty("java.version"));
        o.put("size", size);
        o.put("nuclei_in_input", truth);
        o.put("instances_found", out.count());
        o.put("median_seconds", median(total));
        o.put("seconds_per_run", total);
        o.put("median_seconds_without_types", median(untyped));
        String[] names = {"watershed_mask", "edges_and_distance", "markers", "watershed",
            "type_vote"};
        Map<String, Object> per = new LinkedHashMap<>();
        for (int j = 0; j < 5; j++) {
            List<Double> v = new ArrayList<>();
            for (double d : steps[j]) {
                v.add(d);
            }
            per.put(names[j], median(v));
        }
        o.put("median_seconds_per_step", per);
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(o));
    }

    /** Ellipses painted in random order (later ones overwrite, so neighbours touch). */
    static int[] synthesise(int size, int nuclei, Random rnd) {
        int[] inst = new int[size * size];
        for (int id = 1; id <= nuclei; id++) {
            double cy = 10 + rnd.nextDouble() * (size - 20);
            double cx = 10 + rnd.nextDouble() * (size - 20);
            double a = 5 + rnd.nextDouble() * 7;
            double b = 5 + rnd.nextDouble() * 7;
            double t = rnd.nextDouble() * Math.PI;
            double ct = Math.cos(t);
            double st = Math.sin(t);
            int r = (int) Math.ceil(Math.max(a, b)) + 1;
            for (int y = Math.max(0, (int) cy - r); y <= Math.min(size - 1, (int) cy + r); y++) {
                for (int x = Math.max(0, (int) cx - r); x <= Math.min(size - 1, (int) cx + r);
                        x++) {
                    double u = (y - cy) * ct + (x - cx) * st;
                    double v = -(y - cy) * st + (x - cx) * ct;
                    if ((u / a) * (u / a) + (v / b) * (v / b) <= 1) {
                        inst[y * size + x] = id;
                    }
                }
            }
        }
        return inst;
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int m = s.size();
        return m % 2 == 1 ? s.get(m / 2) : (s.get(m / 2 - 1) + s.get(m / 2)) / 2;
    }

    private static void writeNpy(Path path, float[] data, int... shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (int d : shape) {
            dims.append(d).append(", ");
        }
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': ("
                + dims.toString().trim().replaceAll(",$", shape.length == 1 ? "," : "")
                + "), }";
        int pad = 16 - (10 + header.length() + 1) % 16;
        header = header + " ".repeat(pad % 16) + "\n";
        ByteBuffer bb = ByteBuffer.allocate(10 + header.length() + 4 * data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        bb.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1))
                .put((byte) 1).put((byte) 0).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (float f : data) {
            bb.putFloat(f);
        }
        Files.write(path, bb.array());
    }
}
