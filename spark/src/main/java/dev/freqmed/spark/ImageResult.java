package dev.freqmed.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one image of a batch run: one row of the results table.
 *
 * @param stem    the input's file name without extension (the outputs' names)
 * @param status  {@code ok} or {@code error}
 * @param message the error, naming the file and the problem; empty when ok
 * @param seconds time spent on this image (reading, predicting, writing)
 * @param width   input width in pixels (0 when it could not be read)
 * @param height  input height in pixels
 * @param reused  true when a previous run's complete outputs were kept ({@code --resume})
 * @param outputs the files written, relative to the output folder, separated by {@code ;}
 * @param summary the prediction's plain values (e.g. foreground area and fraction)
 * @param metrics scores against the ground truth, when one was given
 */
public record ImageResult(
        String stem,
        String status,
        String message,
        double seconds,
        int width,
        int height,
        boolean reused,
        String outputs,
        Map<String, Double> summary,
        Map<String, Double> metrics) implements Serializable {

    static final String OK = "ok";
    static final String ERROR = "error";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An error row. */
    static ImageResult error(String stem, String message, double seconds) {
        return new ImageResult(stem, ERROR, message, seconds, 0, 0, false, "", Map.of(), Map.of());
    }

    /** The same result marked as kept from an earlier run. */
    ImageResult asReused() {
        return new ImageResult(stem, status, message, seconds, width, height, true, outputs, summary, metrics);
    }

    /** Writes this result as the completion record of its image: to a temporary name, then renamed. */
    void writeRecord(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                + "-" + Thread.currentThread().getId());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stem", stem);
        m.put("seconds", seconds);
        m.put("width", width);
        m.put("height", height);
        m.put("outputs", outputs);
        m.put("summary", summary);
        m.put("metrics", metrics);
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), m);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Reads a completion record, or returns null when it is missing, unreadable or names an
     * output file that is no longer there (the image is then predicted again).
     */
    static ImageResult readRecord(Path file, Path outputDir) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            Map<?, ?> m = JSON.readValue(file.toFile(), Map.class);
            String outputs = (String) m.get("outputs");
            for (String f : outputs.isEmpty() ? List.<String>of() : List.of(outputs.split(";"))) {
                if (!Files.isRegularFile(outputDir.resolve(f))) {
                    return null;
                }
            }
            return new ImageResult((String) m.get("stem"), OK, "", ((Number) m.get("seconds")).doubleValue(),
                    ((Number) m.get("width")).intValue(), ((Number) m.get("height")).intValue(), false,
                    outputs, doubles((Map<?, ?>) m.get("summary")), doubles((Map<?, ?>) m.get("metrics")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Map<String, Double> doubles(Map<?, ?> m) {
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put((String) k, ((Number) v).doubleValue()));
        return out;
    }
}
