package dev.freqmed.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.PthReader;
import dev.freqmed.io.weights.WeightFiles;
import dev.freqmed.io.weights.WeightInspector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Weight-reading benchmark. Writes a float32 PyTorch zip checkpoint (default 350 MB) and the same
 * tensors as safetensors into a temporary folder, then times:
 *
 * <ul>
 *   <li>reading the raw bytes of the file twice (the budget);
 *   <li>reading the checkpoint and materialising every tensor as a {@code float[]};
 *   <li>the same for safetensors;
 *   <li>{@code weights inspect} of a 2 GB (sparse) checkpoint, with and without sums, and the
 *       Java heap it allocates (it must not load the tensors);
 *   <li>writing that checkpoint as safetensors, and inspecting the result.
 * </ul>
 *
 * <p>Usage: {@code WeightsBench [MB] [INSPECT_MB] [DIR]}; prints JSON. The page cache is warm
 * (the files were just written), so "reading from disk" means reading through the OS cache.
 */
public final class WeightsBench {

    private static final int TENSOR_FLOATS = 1 << 20;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private WeightsBench() {
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws Exception {
        int mb = args.length > 0 ? Integer.parseInt(args[0]) : 350;
        int inspectMb = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        Path dir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("weights-bench");
        Files.createDirectories(dir);
        Map<String, Object> result = new LinkedHashMap<>();
        Path pth = dir.resolve("bench.pth");
        Path st = dir.resolve("bench.safetensors");
        Path big = dir.resolve("big.pth");
        Path bigSt = dir.resolve("big.safetensors");
        try {
            int n = Math.max(1, (int) ((long) mb * 1_000_000 / (TENSOR_FLOATS * 4L)));
            writePth(pth, n, true);
            Map<String, HostTensor> sd = PthReader.read(pth).stateDict();
            Safetensors.write(st, sd, Map.of());
            result.put("file_bytes", Files.size(pth));
            result.put("tensors", n);

            double raw = best(3, () -> readRaw(pth));
            result.put("raw_read_once_s", raw);
            result.put("raw_read_twice_s", 2 * raw);
            double pthRead = best(3, () -> materialise(PthReader.read(pth).stateDict()));
            result.put("pth_read_to_float_arrays_s", pthRead);
            double stRead = best(3, () -> materialise(Safetensors.read(st).tensors()));
            result.put("safetensors_read_to_float_arrays_s", stRead);
            double pthOpen = best(3, () -> PthReader.read(pth).stateDict().size());
            result.put("pth_open_only_s", pthOpen);
            result.put("pth_within_budget", pthRead <= 2 * raw);
            result.put("safetensors_within_budget", stRead <= 2 * raw);

            int bigN = Math.max(1, (int) ((long) inspectMb * 1_000_000 / (TENSOR_FLOATS * 4L)));
            writePth(big, bigN, false);
            result.put("inspect_file_bytes", Files.size(big));
            long a0 = THREADS.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            Checkpoint c = WeightFiles.read(big);
            int count = WeightInspector.tensors(c, false).size();
            result.put("inspect_no_stats_s", (System.nanoTime() - t0) / 1e9);
            result.put("inspect_no_stats_heap_bytes",
                    THREADS.getCurrentThreadAllocatedBytes() - a0);
            result.put("inspect_tensors", count);
            a0 = THREADS.getCurrentThreadAllocatedBytes();
            t0 = System.nanoTime();
            c = WeightFiles.read(big);
            WeightInspector.tensors(c, true);
            result.put("inspect_with_stats_s", (System.nanoTime() - t0) / 1e9);
            result.put("inspect_with_stats_heap_bytes",
                    THREADS.getCurrentThreadAllocatedBytes() - a0);

            t0 = System.nanoTime();
            Safetensors.write(bigSt, PthReader.read(big).stateDict(), Map.of());
            result.put("big_safetensors_write_s", (System.nanoTime() - t0) / 1e9);
            Files.deleteIfExists(big);
            a0 = THREADS.getCurrentThreadAllocatedBytes();
            t0 = System.nanoTime();
            c = WeightFiles.read(bigSt);
            WeightInspector.tensors(c, false);
            result.put("inspect_safetensors_no_stats_s", (System.nanoTime() - t0) / 1e9);
            result.put("inspect_safetensors_no_stats_heap_bytes",
                    THREADS.getCurrentThreadAllocatedBytes() - a0);
        } finally {
            Files.deleteIfExists(bigSt);
            Files.deleteIfExists(pth);
            Files.deleteIfExists(st);
            Files.deleteIfExists(big);
        }
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(result));
    }

    private interface Job {
        Object run() throws Exception;
    }

    private static double best(int reps, Job job) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            job.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static long readRaw(Path p) throws IOException {
        long total = 0;
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            byte[] sink = new byte[1 << 20];
            int n;
            while ((n = ch.read(buf)) > 0) {
                buf.flip();
                buf.get(sink, 0, n);
                buf.clear();
                total += n;
            }
        }
        return total;
    }

    private static long materialise(Map<String, HostTensor> tensors) {
        long n = 0;
        for (HostTensor t : tensors.values()) {
            float[] v = t.toFloatArray();
            n += v.length;
        }
        return n;
    }

    // ---- a minimal PyTorch zip writer (bench data only) ----

    private static void str(ByteArrayOutputStream o, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.write('X');
        o.writeBytes(le(b.length, 4));
        o.writeBytes(b);
    }

    private static void integer(ByteArrayOutputStream o, long v) {
        o.write('J');
        o.writeBytes(le(v, 4));
    }

    private static byte[] le(long v, int n) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        byte[] r = new byte[n];
        System.arraycopy(b.array(), 0, r, 0, n);
        return r;
    }

    private static byte[] pickle(int n) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0x80);
        o.write(2);
        o.writeBytes("ccollections\nOrderedDict\n)R(".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < n; i++) {
            str(o, "layers." + i + ".weight");
            o.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n(("
                    .getBytes(StandardCharsets.US_ASCII));
            str(o, "storage");
            o.writeBytes("ctorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII));
            str(o, Integer.toString(i));
            str(o, "cpu");
            integer(o, TENSOR_FLOATS);
            o.write('t');
            o.write('Q');
            integer(o, 0);
            o.write('(');
            integer(o, 1024);
            integer(o, TENSOR_FLOATS / 1024);
            o.write('t');
            o.write('(');
            integer(o, TENSOR_FLOATS / 1024);
            integer(o, 1);
            o.write('t');
            o.write(0x89);
            o.writeBytes("ccollections\nOrderedDict\n)R".getBytes(StandardCharsets.US_ASCII));
            o.write('t');
            o.write('R');
        }
        o.write('u');
        o.write('.');
        return o.toByteArray();
    }

    /** Writes a zip64-free stored archive; with {@code random} false the data is sparse zeros. */
    private static void writePth(Path file, int n, boolean random) throws IOException {
        List<String> names = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        List<Long> crcs = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(7);
        ByteBuffer data = ByteBuffer.allocate(TENSOR_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            entry(ch, "archive/data.pkl", ByteBuffer.wrap(pickle(n)), names, offsets, sizes, crcs);
            entry(ch, "archive/version", ByteBuffer.wrap("3\n".getBytes(StandardCharsets.US_ASCII)),
                    names, offsets, sizes, crcs);
            for (int i = 0; i < n; i++) {
                data.clear();
                if (random) {
                    for (int k = 0; k < TENSOR_FLOATS; k++) {
                        data.putFloat(k * 4, (float) rnd.nextGaussian());
                    }
                }
                entry(ch, "archive/data/" + i, data, names, offsets, sizes, crcs);
            }
            long cdStart = ch.position();
            ByteArrayOutputStream cd = new ByteArrayOutputStream();
            for (int i = 0; i < names.size(); i++) {
                byte[] name = names.get(i).getBytes(StandardCharsets.UTF_8);
                boolean z64 = offsets.get(i) >= 0xffffffffL;
                cd.writeBytes(le(0x02014b50, 4));
                cd.writeBytes(le(45, 2));
                cd.writeBytes(le(45, 2));
                cd.writeBytes(le(0, 2));
                cd.writeBytes(le(0, 2));
                cd.writeBytes(le(0, 4));
                cd.writeBytes(le(crcs.get(i), 4));
                cd.writeBytes(le(sizes.get(i), 4));
                cd.writeBytes(le(sizes.get(i), 4));
                cd.writeBytes(le(name.length, 2));
                cd.writeBytes(le(z64 ? 12 : 0, 2));
                cd.writeBytes(le(0, 2));
                cd.writeBytes(le(0, 2));
                cd.writeBytes(le(0, 2));
                cd.writeBytes(le(0, 4));
                cd.writeBytes(le(z64 ? 0xffffffffL : offsets.get(i), 4));
                cd.writeBytes(name);
                if (z64) {
                    cd.writeBytes(le(1, 2));
                    cd.writeBytes(le(8, 2));
                    cd.writeBytes(le(offsets.get(i), 8));
                }
            }
            byte[] cdb = cd.toByteArray();
            writeAll(ch, ByteBuffer.wrap(cdb));
            long eocd64 = ch.position();
            ByteArrayOutputStream end = new ByteArrayOutputStream();
            end.writeBytes(le(0x06064b50, 4));
            end.writeBytes(le(44, 8));
            end.writeBytes(le(45, 2));
            end.writeBytes(le(45, 2));
            end.writeBytes(le(0, 4));
            end.writeBytes(le(0, 4));
            end.writeBytes(le(names.size(), 8));
            end.writeBytes(le(names.size(), 8));
            end.writeBytes(le(cdb.length, 8));
            end.writeBytes(le(cdStart, 8));
            end.writeBytes(le(0x07064b50, 4));
            end.writeBytes(le(0, 4));
            end.writeBytes(le(eocd64, 8));
            end.writeBytes(le(1, 4));
            end.writeBytes(le(0x06054b50, 4));
            end.writeBytes(le(0, 2));
            end.writeBytes(le(0, 2));
            end.writeBytes(le(0xffff, 2));
            end.writeBytes(le(0xffff, 2));
            end.writeBytes(le(0xffffffffL, 4));
            end.writeBytes(le(0xffffffffL, 4));
            end.writeBytes(le(0, 2));
            writeAll(ch, ByteBuffer.wrap(end.toByteArray()));
        }
    }

    private static void entry(FileChannel ch, String name, ByteBuffer data, List<String> names,
            List<Long> offsets, List<Long> sizes, List<Long> crcs) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(data.duplicate());
        byte[] nb = name.getBytes(StandardCharsets.UTF_8);
        long off = ch.position();
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.writeBytes(le(0x04034b50, 4));
        h.writeBytes(le(45, 2));
        h.writeBytes(le(0, 2));
        h.writeBytes(le(0, 2));
        h.writeBytes(le(0, 4));
        h.writeBytes(le(crc.getValue(), 4));
        h.writeBytes(le(data.remaining(), 4));
        h.writeBytes(le(data.remaining(), 4));
        h.writeBytes(le(nb.length, 2));
        h.writeBytes(le(0, 2));
        h.writeBytes(nb);
        writeAll(ch, ByteBuffer.wrap(h.toByteArray()));
        writeAll(ch, data.duplicate());
        names.add(name);
        offsets.add(off);
        sizes.add((long) data.remaining());
        crcs.add(crc.getValue());
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

}
