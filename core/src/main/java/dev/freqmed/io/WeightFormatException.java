package dev.freqmed.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A weight or checkpoint file that cannot be read: malformed, truncated, of an unsupported
 * variant, or refused because its pickle references something other than tensors and plain
 * containers. The message starts with the file name.
 */
public final class WeightFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with the message {@code "FILE: problem"}. */
    public WeightFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** Creates the exception with the message {@code "FILE: problem"} and a cause. */
    public WeightFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
