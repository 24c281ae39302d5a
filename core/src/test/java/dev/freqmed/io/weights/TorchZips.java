package dev.freqmed.io.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds small PyTorch-style zip archives and pickle bytes for tests. */
final class TorchZips {

    private TorchZips() {
    }

    /** An archive with {@code archive/data.pkl} and {@code archive/data/KEY} storages (stored). */
    static byte[] zipWith(byte[] pickle, Map<String, byte[]> storages) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.setMethod(ZipOutputStream.STORED);
            List<Map.Entry<String, byte[]>> entries = new ArrayList<>();
            entries.add(Map.entry("archive/data.pkl", pickle));
            storages.forEach((k, v) -> entries.add(Map.entry("archive/data/" + k, v)));
            for (Map.Entry<String, byte[]> e : entries) {
                ZipEntry ze = new ZipEntry(e.getKey());
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setSize(e.getValue().length);
                ze.setCompressedSize(e.getValue().length);
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** Concatenates strings (ISO-8859-1), single bytes (Integer) and byte arrays. */
    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) {
                o.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            } else if (p instanceof Integer i) {
                o.write(i);
            } else if (p instanceof byte[] b) {
                o.writeBytes(b);
            }
        }
        return o.toByteArray();
    }

    /** The low {@code n} bytes of {@code v}, little-endian. */
    static byte[] le(long v, int n) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        return Arrays.copyOf(b.array(), n);
    }

    /** A BINUNICODE string opcode. */
    static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return bytes("X", le(b.length, 4), b);
    }
}
