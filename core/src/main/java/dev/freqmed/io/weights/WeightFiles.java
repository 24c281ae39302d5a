package dev.freqmed.io.weights;

import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.WeightFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Opens any supported weight file by its content (not its name): PyTorch zip or legacy
 * ({@code .pth}, {@code .pt}, {@code .bin}, {@code .ckpt}), safetensors, or Keras 2 HDF5.
 *
 * <pre>{@code
 * Checkpoint c = WeightFiles.read(Path.of("weights.h5"));
 * }</pre>
 */
public final class WeightFiles {

    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private WeightFiles() {
    }

    /** The format of a file: {@code pytorch}, {@code safetensors}, {@code keras-h5}. */
    public static String detect(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        ByteBuffer head = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (head.hasRemaining() && ch.read(head) > 0) {
                // fill
            }
        }
        head.flip();
        if (head.remaining() >= 8) {
            boolean h5 = true;
            for (int i = 0; i < 8; i++) {
                h5 &= head.get(i) == HDF5[i];
            }
            if (h5) {
                return "keras-h5";
            }
        }
        if (ZipIndex.isZip(head) || (head.remaining() >= 2 && (head.get(0) & 0xff) == 0x80)) {
            return "pytorch";
        }
        if (head.remaining() >= 9 && head.get(8) == '{') {
            return "safetensors";
        }
        throw new WeightFormatException(file, "unknown weight format (expected a PyTorch "
                + ".pth/.ckpt, safetensors or Keras HDF5 file)");
    }

    /**
     * Reads a weight file of any supported format.
     *
     * @throws WeightFormatException when the file is malformed, refused or of an unknown format
     * @throws IOException when it cannot be read
     */
    public static Checkpoint read(Path file) throws IOException {
        return read(file, false);
    }

    /**
     * Reads a weight file of any supported format; with {@code allowUnknownObjects}, Python
     * objects of unknown classes in a PyTorch file are kept as inert {@link OpaqueObject}s
     * instead of refusing the file (nothing is executed either way).
     *
     * @throws WeightFormatException when the file is malformed, refused or of an unknown format
     */
    public static Checkpoint read(Path file, boolean allowUnknownObjects) throws IOException {
        switch (detect(file)) {
            case "keras-h5":
                return KerasReader.read(file);
            case "pytorch":
                return PthReader.read(file, allowUnknownObjects);
            default:
                Safetensors.Contents c = Safetensors.read(file);
                Map<String, HostTensor> root = new LinkedHashMap<>(c.tensors());
                return new Checkpoint(file, "safetensors", root, c.metadata());
        }
    }
}
