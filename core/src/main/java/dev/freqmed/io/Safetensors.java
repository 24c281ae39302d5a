package dev.freqmed.io;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * ({@code "name": {"dtype", "shape", "data_offsets"}} and an optional {@code "__metadata__"}
 * object of strings), then the raw little-endian data.
 *
 * <p>Reading memory-maps the data, so opening a large file costs only the header; the header
 * length and every offset are checked against the file size before anything is allocated.
 * Writing goes through a temporary file and an atomic rename.
 *
 * <pre>{@code
 * Safetensors.write(path, Map.of("conv.weight", ndArray), Map.of("architecture", "frcunet"));
 * Safetensors.Contents c = Safetensors.read(path);
 * HostTensor w = c.tensors().get("conv.weight");
 * }</pre>
 */
public final class Safetensors {

    /** Largest header accepted (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {
    }

    /**
     * What a safetensors file holds.
     *
     * @param tensors the tensors in header order (memory-mapped, read-only)
     * @param metadata the {@code __metadata__} entries (empty when absent)
     */
    public record Contents(Map<String, HostTensor> tensors, Map<String, String> metadata) {
    }

    /**
     * Reads a safetensors file, mapping its data into memory.
     *
     * @throws WeightFormatException when the file is not valid safetensors (message names the
     *     file and the problem)
     * @throws IOException when the file cannot be read
     */
    public static Contents read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new WeightFormatException(path,
                        "not a safetensors file: " + size + " bytes, expected at least 8");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, path);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > size - 8 || headerLen > MAX_HEADER_BYTES) {
                throw new WeightFormatException(path, "safetensors header length " + headerLen
                        + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8, path);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new WeightFormatException(path,
                        "safetensors header is not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (header == null || !header.isObject()) {
                throw new WeightFormatException(path, "safetensors header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            ByteBuffer whole = dataSize <= Integer.MAX_VALUE
                    ? ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataSize)
                            .order(ByteOrder.LITTLE_ENDIAN)
                    : null;
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = header.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    readMetadata(path, e.getValue(), metadata);
                    continue;
                }
                tensors.put(e.getKey(), readEntry(path, ch, e.getKey(), e.getValue(), whole,
                        dataStart, dataSize));
            }
            return new Contents(Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        }
    }

    private static void readMetadata(Path path, JsonNode node, Map<String, String> out)
            throws WeightFormatException {
        if (!node.isObject()) {
            throw new WeightFormatException(path, "__metadata__ is not a JSON object");
        }
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new WeightFormatException(path,
                        "__metadata__ value of '" + m.getKey() + "' is not a string");
            }
            out.put(m.getKey(), m.getValue().asText());
        }
    }

    private static HostTensor readEntry(Path path, FileChannel ch, String name, JsonNode node,
            ByteBuffer whole, long dataStart, long dataSize) throws IOException {
        String where = "tensor '" + name + "': ";
        if (!node.isObject()) {
            throw new WeightFormatException(path, where + "header entry is not an object");
        }
        JsonNode dt = node.get("dtype");
        JsonNode sh = node.get("shape");
        JsonNode off = node.get("data_offsets");
        if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null
                || !off.isArray() || off.size() != 2) {
            throw new WeightFormatException(path,
                    where + "expected dtype (string), shape (array), data_offsets ([begin, end])");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(dt.asText());
        } catch (IllegalArgumentException e) {
            throw new WeightFormatException(path, where + e.getMessage());
        }
        if (sh.size() > 64) {
            throw new WeightFormatException(path, where + "rank " + sh.size() + " is absurd");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new WeightFormatException(path, where + "bad shape " + sh);
            }
            shape[i] = d.asLong();
        }
        JsonNode b0 = off.get(0);
        JsonNode b1 = off.get(1);
        if (!b0.isIntegralNumber() || !b1.isIntegralNumber() || !b0.canConvertToLong()
                || !b1.canConvertToLong()) {
            throw new WeightFormatException(path, where + "bad data_offsets " + off);
        }
        long begin = b0.asLong();
        long end = b1.asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new WeightFormatException(path, where + "data_offsets " + off
                    + " outside the data section of " + dataSize + " bytes");
        }
        long need;
        try {
            need = Math.multiplyExact(HostTensor.numel(shape), (long) dtype.size());
        } catch (ArithmeticException e) {
            throw new WeightFormatException(path, where + "shape " + sh + " overflows");
        }
        if (need != end - begin) {
            throw new WeightFormatException(path, where + "shape " + sh + " " + dt.asText()
                    + " needs " + need + " bytes, data_offsets give " + (end - begin));
        }
        if (need > Integer.MAX_VALUE) {
            throw new WeightFormatException(path, where + need + " bytes exceed one buffer (2 GiB)");
        }
        ByteBuffer data;
        if (whole != null) {
            ByteBuffer d = whole.duplicate();
            d.position((int) begin).limit((int) end);
            data = d.slice().order(ByteOrder.LITTLE_ENDIAN);
        } else {
            data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin)
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        return HostTensor.of(dtype, shape, data);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path path)
            throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                throw new WeightFormatException(path, "unexpected end of file at byte " + p);
            }
            p += n;
        }
    }

    /**
     * Writes tensors and metadata to a safetensors file atomically. Values may be {@link NDArray}
     * (copied to the host) or {@link HostTensor}.
     *
     * @param path the file to write (replaced if present)
     * @param tensors name to tensor, written in the map's iteration order
     * @param metadata the {@code __metadata__} entries, may be empty or null
     * @throws IllegalArgumentException for a value of another type or an empty name
     * @throws IOException when the file cannot be written
     */
    public static void write(Path path, Map<String, ?> tensors, Map<String, String> metadata)
            throws IOException {
        List<String> names = new ArrayList<>();
        List<HostTensor> hosts = new ArrayList<>();
        for (Map.Entry<String, ?> e : tensors.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("bad tensor name '" + e.getKey() + "'");
            }
            names.add(e.getKey());
            hosts.add(toHost(e.getKey(), e.getValue()));
        }
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            HostTensor t = hosts.get(i);
            ObjectNode o = header.putObject(names.get(i));
            o.put("dtype", t.dtype().safetensorsName());
            ArrayNode s = o.putArray("shape");
            for (long d : t.shape()) {
                s.add(d);
            }
            ArrayNode off = o.putArray("data_offsets");
            off.add(offset);
            offset += t.byteSize();
            off.add(offset);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int pad = (8 - json.length % 8) % 8;
        byte[] padded = new byte[json.length + pad];
        System.arraycopy(json, 0, padded, 0, json.length);
        for (int i = json.length; i < padded.length; i++) {
            padded[i] = ' ';
        }
        AtomicFiles.write(path, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            len.putLong(padded.length);
            out.write(len.array());
            out.write(padded);
            for (HostTensor t : hosts) {
                writeData(out, t.data());
            }
        });
    }

    private static void writeData(OutputStream out, ByteBuffer data) throws IOException {
        ByteBuffer d = data.duplicate();
        byte[] chunk = new byte[1 << 16];
        while (d.hasRemaining()) {
            int n = Math.min(chunk.length, d.remaining());
            d.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    private static HostTensor toHost(String name, Object value) {
        if (value instanceof HostTensor h) {
            return h;
        }
        if (value instanceof NDArray a) {
            return HostTensor.fromNDArray(a);
        }
        throw new IllegalArgumentException("tensor '" + name
                + "': expected NDArray or HostTensor, found "
                + (value == null ? "null" : value.getClass().getName()));
    }
}
