package dev.freqmed.io;

import java.util.Arrays;
import java.util.List;

/**
 * The outcome of loading a tensor map into a network.
 *
 * @param loaded network keys that received values
 * @param missing network keys with no tensor in the file
 * @param unexpected file keys (after renaming) that name no parameter
 * @param mismatched keys whose shapes differ
 * @param ignored file keys deliberately skipped (e.g. {@code num_batches_tracked}, dropped by the
 *     rename function, or matching an ignore pattern)
 */
public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected,
        List<Mismatch> mismatched, List<String> ignored) {

    /** Copies the lists. */
    public LoadReport {
        loaded = List.copyOf(loaded);
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
        ignored = List.copyOf(ignored);
    }

    /**
     * A key whose shape in the network differs from the one in the file.
     *
     * @param key the network key
     * @param expected the network's shape
     * @param found the file's shape
     */
    public record Mismatch(String key, long[] expected, long[] found) {
        @Override
        public String toString() {
            return key + ": expected " + Arrays.toString(expected) + ", found "
                    + Arrays.toString(found);
        }
    }

    /** Whether every network key was loaded and every file key used. */
    public boolean isComplete() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    /** The report as a table: a line per problem key, grouped, with counts. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("loaded ").append(loaded.size()).append(", missing ").append(missing.size())
                .append(", unexpected ").append(unexpected.size()).append(", shape mismatch ")
                .append(mismatched.size()).append(", ignored ").append(ignored.size());
        for (String k : missing) {
            sb.append("\n  missing     ").append(k);
        }
        for (String k : unexpected) {
            sb.append("\n  unexpected  ").append(k);
        }
        for (Mismatch m : mismatched) {
            sb.append("\n  shape       ").append(m.key()).append(": expected ")
                    .append(Arrays.toString(m.expected())).append(", found ")
                    .append(Arrays.toString(m.found()));
        }
        return sb.toString();
    }
}
