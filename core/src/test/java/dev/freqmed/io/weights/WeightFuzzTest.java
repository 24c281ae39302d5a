package dev.freqmed.io.weights;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.WeightFixturesAccess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates the weight fixtures (truncation, byte flips, absurd lengths, sizes and offsets,
 * recursive and deeply nested pickles) and checks that every case ends either in a value or in a
 * clean {@link IOException} / {@link IllegalArgumentException}: no other exception, no stack
 * overflow, no hang and no allocation beyond what the file size justifies. The mutation seed is
 * fixed; {@code -Dfreqmed.fuzz.seed=N} runs another sequence.
 */
@Tag("slow")
class WeightFuzzTest {

    /** Cases run by {@link #mutatedFilesEndInCleanErrors}; reported by the test name. */
    static final int RANDOM_CASES_PER_FILE = 1000;
    private static final long ALLOC_SLACK = 32L << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private int cases;

    private interface Reader {
        Object read(byte[] bytes) throws Exception;
    }

    /** Reads, then touches everything a user would (weights, stats, info). */
    private static Object exercise(Checkpoint c) {
        for (HostTensor t : c.tensors().values()) {
            t.stats();
        }
        c.stateDict();
        c.info();
        WeightInspector.describe(c, false);
        return c;
    }

    private void run(String what, byte[] bytes, Reader reader) {
        cases++;
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            reader.read(bytes);
        } catch (IOException | IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                fail(what + ": error without a message: " + e);
            }
        } catch (Throwable t) {
            throw new AssertionError(what + ": unclean failure " + t, t);
        }
        long used = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (used > ALLOC_SLACK + 64L * bytes.length) {
            fail(what + ": allocated " + used + " bytes for a file of " + bytes.length);
        }
    }

    /** Reads PyTorch bytes, every other case with unknown objects kept as inert data. */
    private Reader pth() {
        return b -> exercise(PthReader.read(Path.of("fuzz.pth"), ByteBuffer.wrap(b),
                cases % 2 == 0));
    }

    private static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(WeightFixturesAccess.file(name));
    }

    private void mutate(String name, byte[] orig, Random rnd, Reader reader, int n,
            int regionStart, int regionEnd) {
        for (int i = 0; i < n; i++) {
            byte[] b = orig.clone();
            int kind = rnd.nextInt(5);
            String what = name + " case " + i + " kind " + kind;
            int span = regionEnd - regionStart;
            switch (kind) {
                case 0: // truncate
                    b = java.util.Arrays.copyOf(b, rnd.nextInt(orig.length));
                    break;
                case 1: // flip a few bytes
                    for (int k = 0, m = 1 + rnd.nextInt(8); k < m; k++) {
                        b[regionStart + rnd.nextInt(span)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                    break;
                case 2: // random bytes
                    for (int k = 0, m = 1 + rnd.nextInt(4); k < m; k++) {
                        b[regionStart + rnd.nextInt(span)] = (byte) rnd.nextInt(256);
                    }
                    break;
                case 3: { // an absurd 32- or 64-bit value
                    int p = regionStart + rnd.nextInt(Math.max(1, span - 8));
                    long v = rnd.nextBoolean() ? -1L : (rnd.nextBoolean() ? Long.MAX_VALUE
                            : 0x7fffffffL);
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(p, v);
                    break;
                }
                default: { // duplicate a slice over another place
                    int from = regionStart + rnd.nextInt(span);
                    int to = regionStart + rnd.nextInt(span);
                    int len = Math.min(1 + rnd.nextInt(32), Math.min(b.length - from,
                            b.length - to));
                    System.arraycopy(orig, from, b, to, len);
                    break;
                }
            }
            run(what, b, reader);
        }
    }

    /** Start and end of a stored zip entry's data (fixtures are written uncompressed). */
    private static int[] entryRegion(byte[] zip, String suffix) throws IOException {
        ZipIndex index = ZipIndex.read(ByteSource.of(Path.of("fixture"), ByteBuffer.wrap(zip)));
        for (ZipIndex.Entry e : index.entries().values()) {
            if (e.name().endsWith(suffix)) {
                ByteBuffer h = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
                int start = (int) e.headerOffset() + 30 + (h.getShort((int) e.headerOffset() + 26)
                        & 0xffff) + (h.getShort((int) e.headerOffset() + 28) & 0xffff);
                return new int[] {start, start + (int) e.size()};
            }
        }
        throw new IllegalStateException("no entry " + suffix);
    }

    @Test
    void mutatedFilesEndInCleanErrors(@TempDir Path tmp) throws Exception {
        Random rnd = new Random(Long.getLong("freqmed.fuzz.seed", 20261122L));
        long start = System.nanoTime();
        for (String f : List.of("state_dict_zip.pth", "lightning_checkpoint.ckpt",
                "malicious.pth")) {
            byte[] b = fixture(f);
            mutate(f, b, rnd, pth(), RANDOM_CASES_PER_FILE / 3, 0, b.length);
            int[] pkl = entryRegion(b, "data.pkl");
            mutate(f + " (pickle)", b, rnd, pth(), RANDOM_CASES_PER_FILE, pkl[0], pkl[1]);
        }
        byte[] npPickle = fixture("np_p2.pkl");
        mutate("np_p2.pkl", npPickle, rnd, pth(), RANDOM_CASES_PER_FILE / 2, 0, npPickle.length);
        byte[] legacy = fixture("state_dict_legacy.pth");
        mutate("legacy", legacy, rnd, pth(), RANDOM_CASES_PER_FILE, 0, legacy.length);
        // every truncation of the legacy file's pickles
        for (int n = 0; n < 3000 && n < legacy.length; n += 1) {
            run("legacy truncated at " + n, java.util.Arrays.copyOf(legacy, n), pth());
        }
        byte[] st = fixture("weights.safetensors");
        Path file = tmp.resolve("fuzz.safetensors");
        Reader safetensors = b -> {
            Files.write(file, b);
            Safetensors.Contents c = Safetensors.read(file);
            for (HostTensor t : c.tensors().values()) {
                t.stats();
            }
            return c;
        };
        long headerLen = ByteBuffer.wrap(st).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        mutate("safetensors", st, rnd, safetensors, RANDOM_CASES_PER_FILE / 2, 0, st.length);
        mutate("safetensors (header)", st, rnd, safetensors, RANDOM_CASES_PER_FILE / 2, 0,
                (int) (8 + headerLen));
        byte[] h5 = fixture("keras_weights.h5");
        Path h5File = tmp.resolve("fuzz.h5");
        Reader keras = b -> {
            Files.write(h5File, b);
            return exercise(KerasReader.read(h5File));
        };
        mutate("keras", h5, rnd, keras, RANDOM_CASES_PER_FILE / 2, 0, h5.length);
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertTrue(cases >= 8000, "ran " + cases + " cases");
        // Time is reported, not asserted: speed belongs to benchmarks (bench/WeightsBench).
        System.out.println("weight fuzz: " + cases + " cases in " + seconds + " s");
    }

    // ---- hand-made hostile pickles, wrapped in a PyTorch zip ----

    private static byte[] zipWith(byte[] pickle, Map<String, byte[]> storages)
            throws IOException {
        return TorchZips.zipWith(pickle, storages);
    }

    private static byte[] bytes(Object... parts) {
        return TorchZips.bytes(parts);
    }

    private static byte[] le(long v, int n) {
        return TorchZips.le(v, n);
    }

    /** A pickle of {'w': tensor(size, stride, offset)} over a 4-element float storage. */
    private static byte[] tensorPickle(byte[] sizeTuple, byte[] strideTuple, byte[] offset) {
        return bytes(0x80, 2, "}", "X", le(1, 4), "w",
                "ctorch._utils\n_rebuild_tensor_v2\n", "(",
                "(", "X", le(7, 4), "storage", "ctorch\nFloatStorage\n", "X", le(1, 4), "0",
                "X", le(3, 4), "cpu", "K", 4, "t", "Q",
                offset, sizeTuple, strideTuple, 0x89, "ccollections\nOrderedDict\n", ")", "R",
                "t", "R", "s", ".");
    }

    @Test
    void hostilePicklesAreRefusedCleanly() throws Exception {
        Map<String, byte[]> storage = Map.of("0", new byte[16]);
        List<byte[]> pickles = new ArrayList<>();
        // huge shape: 2^40 x 2^40 elements over a 4-element storage
        byte[] huge = bytes("J", le(1L << 30, 4));
        pickles.add(tensorPickle(bytes("(", "\u008a", 6, le(1L << 40, 6), "\u008a", 6,
                le(1L << 40, 6), "t"), bytes("(", "K", 1, "K", 1, "t"), bytes("K", 0)));
        // shape overflowing a long
        pickles.add(tensorPickle(bytes("(", "\u008a", 8, le(Long.MAX_VALUE, 8), "K", 4, "t"),
                bytes("(", "K", 1, "K", 1, "t"), bytes("K", 0)));
        // negative storage offset and negative stride
        pickles.add(tensorPickle(bytes("(", "K", 2, "t"), bytes("(", "K", 1, "t"),
                bytes("J", le(-1, 4))));
        pickles.add(tensorPickle(bytes("(", "K", 2, "t"), bytes("(", "J", le(-1, 4), "t"),
                bytes("K", 0)));
        // view reaching past the storage
        pickles.add(tensorPickle(bytes("(", "K", 4, "t"), bytes("(", "K", 2, "t"), huge));
        // a list that contains itself, a dict that contains itself
        pickles.add(bytes(0x80, 2, "]", "q", 0, "h", 0, "a", "."));
        pickles.add(bytes(0x80, 2, "}", "q", 0, "X", le(1, 4), "k", "h", 0, "s", "."));
        // nesting one million lists deep
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        deep.write(0x80);
        deep.write(2);
        for (int i = 0; i < 1_000_000; i++) {
            deep.write(']');
        }
        for (int i = 0; i < 999_999; i++) {
            deep.write('a');
        }
        deep.write('.');
        pickles.add(deep.toByteArray());
        // exponential sharing: l0 = [], l(k+1) = [lk, lk] forty times
        ByteArrayOutputStream share = new ByteArrayOutputStream();
        share.writeBytes(bytes(0x80, 2, "]"));
        for (int i = 0; i < 40; i++) {
            share.writeBytes(bytes("q", 0, "]", "h", 0, "a", "h", 0, "a"));
        }
        share.write('.');
        pickles.add(share.toByteArray());
        // strings and bytes claiming 2 GiB, 8-byte lengths, huge LONG4, memo far away
        pickles.add(bytes(0x80, 2, "X", le(0x7fffffffL, 4), "abc", "."));
        pickles.add(bytes(0x80, 4, 0x8d, le(Long.MAX_VALUE, 8), "."));
        pickles.add(bytes(0x80, 2, 0x8b, le(0x7fffffffL, 4), "."));
        pickles.add(bytes(0x80, 2, "N", "r", le(0xfffffffeL, 4), "j", le(0xfffffffdL, 4), "."));
        pickles.add(bytes(0x80, 2, "j", le(12345, 4), "."));
        // object construction and unknown globals
        pickles.add(bytes(0x80, 2, "cbuiltins\neval\n", "X", le(4, 4), "1+1)", 0x85, "R", "."));
        pickles.add(bytes(0x80, 4, 0x8c, 2, "os", 0x8c, 6, "system", 0x93, "."));
        pickles.add(bytes(0x80, 2, "(", "i__main__\nX\n", "."));
        // stack underflow, mark misuse, a dict key that is a list
        pickles.add(bytes(0x80, 2, "s", "."));
        pickles.add(bytes(0x80, 2, "t", "."));
        pickles.add(bytes(0x80, 2, "}", "]", "N", "s", "."));
        pickles.add(bytes(0x80, 2, "."));
        pickles.add(bytes(0x80, 2));
        // a storage that is not in the archive, and one declaring more elements than stored
        pickles.add(bytes(0x80, 2, "(", "X", le(7, 4), "storage", "ctorch\nFloatStorage\n",
                "X", le(1, 4), "9", "X", le(3, 4), "cpu", "K", 4, "t", "Q", "."));
        pickles.add(bytes(0x80, 2, "(", "X", le(7, 4), "storage", "ctorch\nFloatStorage\n",
                "X", le(1, 4), "0", "X", le(3, 4), "cpu", "J", le(1 << 30, 4), "t", "Q", "."));
        int i = 0;
        for (byte[] p : pickles) {
            byte[] zip = zipWith(p, storage);
            String what = "hostile pickle " + i++;
            run(what, zip, b -> {
                exercise(PthReader.read(Path.of("hostile.pth"), ByteBuffer.wrap(b)));
                throw new AssertionError(what + " was accepted");
            });
        }
    }
}
