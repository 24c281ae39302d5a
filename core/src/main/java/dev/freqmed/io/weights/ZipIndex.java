package dev.freqmed.io.weights;

import dev.freqmed.io.WeightFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The central directory of a zip archive (with zip64), read without java.util.zip so that stored
 * entries can be memory-mapped in place. PyTorch writes its archives uncompressed; deflated
 * entries are inflated with their declared size checked first.
 */
final class ZipIndex {

    private static final int EOCD = 0x06054b50;
    private static final int EOCD64 = 0x06064b50;
    private static final int EOCD64_LOCATOR = 0x07064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final int MAX_ENTRIES = 1_000_000;

    /** One entry: where its data lies and how it is stored. */
    record Entry(String name, int method, long compressedSize, long size, long headerOffset) {
    }

    private final ByteSource src;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private ZipIndex(ByteSource src) {
        this.src = src;
    }

    /** Whether a file starts like a zip archive. */
    static boolean isZip(ByteBuffer head) {
        return head.remaining() >= 4 && head.order(ByteOrder.LITTLE_ENDIAN).getInt(0) == LOCAL;
    }

    /** Reads the central directory. */
    static ZipIndex read(ByteSource src) throws IOException {
        ZipIndex z = new ZipIndex(src);
        z.parse();
        return z;
    }

    Map<String, Entry> entries() {
        return entries;
    }

    private WeightFormatException bad(String problem) {
        return new WeightFormatException(src.path(), "corrupt zip archive: " + problem);
    }

    private void parse() throws IOException {
        long size = src.size();
        if (size < 22) {
            throw bad("too short for an end-of-directory record");
        }
        int tail = (int) Math.min(size, 22 + 65535);
        ByteBuffer t = src.slice(size - tail, tail);
        int eocd = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (t.getInt(i) == EOCD) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw bad("no end-of-central-directory record");
        }
        long count = t.getShort(eocd + 10) & 0xffff;
        long cdSize = t.getInt(eocd + 12) & 0xffffffffL;
        long cdOffset = t.getInt(eocd + 16) & 0xffffffffL;
        long eocdPos = size - tail + eocd;
        if (count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            if (eocdPos < 20) {
                throw bad("zip64 locator missing");
            }
            ByteBuffer loc = src.slice(eocdPos - 20, 20);
            if (loc.getInt(0) != EOCD64_LOCATOR) {
                throw bad("zip64 locator missing");
            }
            long e64 = loc.getLong(8);
            ByteBuffer r = src.slice(e64, 56);
            if (r.getInt(0) != EOCD64) {
                throw bad("zip64 end record missing");
            }
            count = r.getLong(32);
            cdSize = r.getLong(40);
            cdOffset = r.getLong(48);
        }
        if (count < 0 || count > MAX_ENTRIES || cdSize < 0 || cdOffset < 0
                || cdSize > size || cdOffset > size - cdSize) {
            throw bad("central directory of " + count + " entries, " + cdSize + " bytes at "
                    + cdOffset + " does not fit the file of " + size + " bytes");
        }
        ByteBuffer cd = src.slice(cdOffset, cdSize);
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p + 46 > cd.limit() || cd.getInt(p) != CENTRAL) {
                throw bad("central directory entry " + i + " is damaged");
            }
            int method = cd.getShort(p + 10) & 0xffff;
            long csize = cd.getInt(p + 20) & 0xffffffffL;
            long usize = cd.getInt(p + 24) & 0xffffffffL;
            int nameLen = cd.getShort(p + 28) & 0xffff;
            int extraLen = cd.getShort(p + 30) & 0xffff;
            int commentLen = cd.getShort(p + 32) & 0xffff;
            long offset = cd.getInt(p + 42) & 0xffffffffL;
            if (p + 46L + nameLen + extraLen + commentLen > cd.limit()) {
                throw bad("central directory entry " + i + " is truncated");
            }
            byte[] nb = new byte[nameLen];
            cd.get(p + 46, nb);
            String name = new String(nb, StandardCharsets.UTF_8);
            int x = p + 46 + nameLen;
            int xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = cd.getShort(x) & 0xffff;
                int len = cd.getShort(x + 2) & 0xffff;
                if (x + 4 + len > xEnd) {
                    break;
                }
                if (id == 1) {
                    int q = x + 4;
                    if (usize == 0xffffffffL && q + 8 <= x + 4 + len) {
                        usize = cd.getLong(q);
                        q += 8;
                    }
                    if (csize == 0xffffffffL && q + 8 <= x + 4 + len) {
                        csize = cd.getLong(q);
                        q += 8;
                    }
                    if (offset == 0xffffffffL && q + 8 <= x + 4 + len) {
                        offset = cd.getLong(q);
                    }
                }
                x += 4 + len;
            }
            if (csize < 0 || usize < 0 || offset < 0 || offset > size || csize > size) {
                throw bad("entry '" + name + "' has impossible sizes or offset");
            }
            entries.put(name, new Entry(name, method, csize, usize, offset));
            p += 46 + nameLen + extraLen + commentLen;
        }
    }

    /**
     * The bytes of an entry: a mapped view for stored entries, an inflated copy for deflated
     * ones.
     */
    ByteBuffer data(Entry e) throws IOException {
        ByteBuffer h = src.slice(e.headerOffset(), 30);
        if (h.getInt(0) != LOCAL) {
            throw bad("local header of '" + e.name() + "' missing");
        }
        long start = e.headerOffset() + 30 + (h.getShort(26) & 0xffff)
                + (h.getShort(28) & 0xffff);
        if (e.method() == 0) {
            if (e.compressedSize() != e.size()) {
                throw bad("stored entry '" + e.name() + "' has two different sizes");
            }
            return src.slice(start, e.size());
        }
        if (e.method() != 8) {
            throw bad("entry '" + e.name() + "' uses compression method " + e.method()
                    + " (only stored and deflated are supported)");
        }
        // deflate cannot expand data by more than about 1032:1
        if (e.size() > Integer.MAX_VALUE - 8 || e.size() > e.compressedSize() * 1032 + 1024) {
            throw bad("deflated entry '" + e.name() + "' claims " + e.size() + " bytes from "
                    + e.compressedSize());
        }
        ByteBuffer comp = src.slice(start, e.compressedSize());
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(comp);
            ByteBuffer out = ByteBuffer.allocate((int) e.size());
            while (out.hasRemaining() && !inf.finished()) {
                int n = inf.inflate(out);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
            }
            if (out.hasRemaining()) {
                throw bad("deflated entry '" + e.name() + "' is shorter than declared");
            }
            out.flip();
            return out.asReadOnlyBuffer();
        } catch (DataFormatException ex) {
            throw bad("deflated entry '" + e.name() + "': " + ex.getMessage());
        } finally {
            inf.end();
        }
    }
}
