package dev.freqmed.data;

import java.io.IOException;

/** A random-access, read-only source of samples. Implementations must be safe for concurrent {@link #get}. */
public interface SampleSource {

    /** Number of samples. */
    int size();

    /**
     * Reads sample {@code index}.
     *
     * @throws IOException naming the file when it cannot be read
     */
    Sample get(int index) throws IOException;

    /** The id of sample {@code index} without reading its arrays. */
    String id(int index);
}
