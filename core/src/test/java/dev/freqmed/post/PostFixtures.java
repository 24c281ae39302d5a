package dev.freqmed.post;

import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Test access to {@code testdata/consep} and {@code testdata/nuclei-post}. */
final class PostFixtures {

    static final Path TESTDATA = Path.of("..", "testdata");
    static final Path CONSEP = TESTDATA.resolve("consep");

    private PostFixtures() {
    }

    /** Tile stems of one split, sorted. */
    static List<String> stems(String split) throws IOException {
        try (Stream<Path> s = Files.list(CONSEP.resolve(split).resolve("inst"))) {
            return s.map(p -> p.getFileName().toString().replace(".png", "")).sorted().toList();
        }
    }

    /** The 16-bit instance map of a tile. */
    static GrayImage instances(String split, String stem) throws IOException {
        return ImageIo.readGray(CONSEP.resolve(split).resolve("inst").resolve(stem + ".png"));
    }

    /** The 8-bit type map of a tile. */
    static GrayImage types(String split, String stem) throws IOException {
        return ImageIo.readGray(CONSEP.resolve(split).resolve("type").resolve(stem + ".png"));
    }
}
