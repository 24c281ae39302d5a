package dev.freqmed.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @Test
    void fixtureMatchesExpected() throws Exception {
        Safetensors.Contents c = Safetensors.read(WeightFixtures.file("weights.safetensors"));
        JsonNode exp = WeightFixtures.expected().get("safetensors");
        assertEquals(exp.size(), c.tensors().size());
        Iterator<Map.Entry<String, JsonNode>> it = exp.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            HostTensor t = c.tensors().get(e.getKey());
            assertEquals(e.getValue().get("dtype").asText(), t.dtype().safetensorsName());
            WeightFixtures.check(e.getKey(), e.getValue(), t);
        }
    }

    @Test
    void roundTripKeepsValuesDtypesAndMetadata(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("w.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.arange(12f).reshape(3, 4);
            NDArray b = m.create(new long[] {5, -7});
            NDArray h = m.create(new float[] {0.5f, -2f}).toType(DataType.FLOAT16, false);
            Map<String, Object> tensors = new LinkedHashMap<>();
            tensors.put("a", a);
            tensors.put("b", b);
            tensors.put("h", h);
            tensors.put("scalar", HostTensor.of(DType.FLOAT32, new long[0], new float[] {3f}));
            Safetensors.write(f, tensors, Map.of("architecture", "test"));
        }
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals(List.of("a", "b", "h", "scalar"), new ArrayList<>(c.tensors().keySet()));
        assertEquals("test", c.metadata().get("architecture"));
        assertArrayEquals(new long[] {3, 4}, c.tensors().get("a").shape());
        assertEquals(66.0, c.tensors().get("a").stats().sum(), 0);
        assertEquals(DType.INT64, c.tensors().get("b").dtype());
        assertArrayEquals(new double[] {5, -7}, c.tensors().get("b").toDoubleArray(), 0);
        assertArrayEquals(new float[] {0.5f, -2f}, c.tensors().get("h").toFloatArray(), 0);
        assertArrayEquals(new long[0], c.tensors().get("scalar").shape());
        assertArrayEquals(new float[] {3f}, c.tensors().get("scalar").toFloatArray(), 0);
        // header is padded to 8 bytes as the reference writer does
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8)
                .order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray back = c.tensors().get("a").toNDArray(m);
            assertEquals(new Shape(3, 4), back.getShape());
            assertEquals(11f, back.getFloat(2, 3));
        }
    }

    @Test
    void headerLongerThanFileIsRefusedBeforeAllocating(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(Long.MAX_VALUE / 2).put("{}      ".getBytes(StandardCharsets.US_ASCII));
        Files.write(f, b.array());
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> Safetensors.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void offsetsOutsideDataAreRefused(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.safetensors");
        byte[] json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1000000],\"data_offsets\":[0,4000000]}}"
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Files.write(f, b.array());
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains("tensor 'x'"), e.getMessage());
    }
}
