package dev.freqmed.io.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PthWriter} read back by {@link PthReader}: nested dicts and lists, scalars, tensors of
 * several dtypes (a strided view written contiguously), and one tensor under two keys sharing a
 * storage. (Files of this writer also load in PyTorch 1.13 with {@code torch.load(...,
 * weights_only=True)}, shared storages kept; checked by hand, PyTorch is not a test dependency.)
 */
class PthWriterTest {

    @Test
    void aValueTreeRoundTripsThroughTheReader(@TempDir Path tmp) throws Exception {
        HostTensor w = HostTensor.of(DType.FLOAT32, new long[] {2, 3},
                new float[] {1.5f, -2f, 3.25f, 0f, -0.125f, 7f});
        ByteBuffer longs = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(-3).putLong(1L << 40).flip();
        HostTensor l = HostTensor.of(DType.INT64, new long[] {2}, longs);
        HostTensor transposed = w.permute(1, 0);
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("a.weight", w);
        inner.put("ids", l);
        inner.put("t", transposed);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("rank", 128L);
        root.put("big", 1L << 40);
        root.put("lr", 5e-6);
        root.put("flag", true);
        root.put("none", null);
        root.put("name", "paraffin section ü");
        root.put("list", List.of(1L, "two", List.of()));
        root.put("empty", Map.of());
        root.put("enc", inner);
        root.put("dec", Map.of("a.weight", w));
        Path f = tmp.resolve("x.pkl");
        PthWriter.write(f, root);
        Checkpoint c = PthReader.read(f);
        Map<?, ?> r = (Map<?, ?>) c.root();
        assertEquals(List.copyOf(root.keySet()), List.copyOf(r.keySet()));
        assertEquals(128L, r.get("rank"));
        assertEquals(1L << 40, r.get("big"));
        assertEquals(5e-6, (Double) r.get("lr"), 0);
        assertEquals(true, r.get("flag"));
        assertNull(r.get("none"));
        assertEquals("paraffin section ü", r.get("name"));
        assertEquals(List.of(1L, "two", List.of()), r.get("list"));
        assertTrue(((Map<?, ?>) r.get("empty")).isEmpty());
        Map<?, ?> enc = (Map<?, ?>) r.get("enc");
        HostTensor w2 = (HostTensor) enc.get("a.weight");
        assertArrayEquals(new long[] {2, 3}, w2.shape());
        assertArrayEquals(w.toFloatArray(), w2.toFloatArray(), 0f);
        HostTensor l2 = (HostTensor) enc.get("ids");
        assertEquals(DType.INT64, l2.dtype());
        assertEquals(1L << 40, l2.data().getLong(8));
        HostTensor t2 = (HostTensor) enc.get("t");
        assertArrayEquals(new long[] {3, 2}, t2.shape());
        assertArrayEquals(new float[] {1.5f, 0f, -2f, -0.125f, 3.25f, 7f}, t2.toFloatArray(), 0f);
        HostTensor shared = (HostTensor) ((Map<?, ?>) r.get("dec")).get("a.weight");
        assertArrayEquals(w.toFloatArray(), shared.toFloatArray(), 0f);
        // one storage entry for the tensor written twice: w, ids, t
        ZipIndex zip = ZipIndex.read(ByteSource.of(f, ByteBuffer.wrap(Files.readAllBytes(f))));
        assertEquals(3, zip.entries().keySet().stream().filter(n -> n.contains("/data/")).count());
        assertFalse(Files.list(tmp).anyMatch(p -> !p.equals(f)), "no temporary file left");
    }

    @Test
    void anUnsupportedValueIsNamedByItsPath(@TempDir Path tmp) {
        Map<String, Object> root = Map.of("sd", Map.of("x", new Object()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PthWriter.write(tmp.resolve("y.pkl"), root));
        assertTrue(e.getMessage().startsWith("sd.x: cannot write"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("y.pkl")));
    }
}
