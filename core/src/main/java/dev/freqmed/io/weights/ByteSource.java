package dev.freqmed.io.weights;

import dev.freqmed.io.WeightFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Random access to the bytes of a weight file: either a file, whose regions are memory-mapped on
 * demand, or a buffer already in memory. Every request is checked against the size first.
 */
abstract class ByteSource {

    private final Path path;

    ByteSource(Path path) {
        this.path = path;
    }

    /** The file name used in messages. */
    final Path path() {
        return path;
    }

    /** Total size in bytes. */
    abstract long size();

    /** The bytes {@code [pos, pos + len)}, little-endian order, read-only. */
    final ByteBuffer slice(long pos, long len) throws IOException {
        if (pos < 0 || len < 0 || pos > size() || len > size() - pos) {
            throw new WeightFormatException(path, "region of " + len + " bytes at " + pos
                    + " lies outside the file of " + size() + " bytes");
        }
        if (len > Integer.MAX_VALUE) {
            throw new WeightFormatException(path, "region of " + len + " bytes exceeds 2 GiB");
        }
        return doSlice(pos, (int) len).order(ByteOrder.LITTLE_ENDIAN);
    }

    abstract ByteBuffer doSlice(long pos, int len) throws IOException;

    /** A source over a buffer's remaining bytes. */
    static ByteSource of(Path name, ByteBuffer buffer) {
        ByteBuffer b = buffer.slice().asReadOnlyBuffer();
        return new ByteSource(name) {
            @Override
            long size() {
                return b.capacity();
            }

            @Override
            ByteBuffer doSlice(long pos, int len) {
                ByteBuffer d = b.duplicate();
                d.position((int) pos).limit((int) pos + len);
                return d.slice();
            }
        };
    }

    /** A source over an open file; regions are mapped read-only (small ones are copied). */
    static ByteSource of(Path name, FileChannel channel) throws IOException {
        long size = channel.size();
        return new ByteSource(name) {
            @Override
            long size() {
                return size;
            }

            @Override
            ByteBuffer doSlice(long pos, int len) throws IOException {
                if (len < (1 << 16)) {
                    ByteBuffer b = ByteBuffer.allocate(len);
                    long p = pos;
                    while (b.hasRemaining()) {
                        int n = channel.read(b, p);
                        if (n < 0) {
                            throw new WeightFormatException(name, "unexpected end of file");
                        }
                        p += n;
                    }
                    b.flip();
                    return b.asReadOnlyBuffer();
                }
                return channel.map(FileChannel.MapMode.READ_ONLY, pos, len);
            }
        };
    }
}
