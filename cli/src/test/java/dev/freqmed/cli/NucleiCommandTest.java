package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.data.NucleusPatchReader;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NucleiCommandTest {

    private static final Path CONSEP = Path.of("..", "testdata", "consep");

    @Test
    void patchesOfConsepTiles(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("test.h5");
        CliRunner.Result r = CliRunner.run("nuclei", "patches", "--images",
                CONSEP.resolve("test/images").toString(), "--labels",
                CONSEP.resolve("test").toString(), "--out", out.toString(), "--window", "128",
                "--step", "64", "--classes", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote 72 patches of 128x128 from 8 images"), r.out());
        try (NucleusPatchReader p = NucleusPatchReader.open(out)) {
            assertEquals(72, p.size());
        }
    }

    @Test
    void patchesRefuseAnEightBitInstanceMapAndWriteNothing(@TempDir Path dir)
            throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("inst"));
        Files.copy(CONSEP.resolve("test/images/test_1_005.jpg"), images.resolve("t.jpg"));
        ImageIo.writeGray8(dir.resolve("inst/t.png"),
                new GrayImage(256, 256, 8, new int[256 * 256]));
        Path out = dir.resolve("out/p.h5");
        CliRunner.Result r = CliRunner.run("nuclei", "patches", "--images", images.toString(),
                "--labels", dir.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("t.png") && r.err().contains("16-bit"), r.err());
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void reportOfConsepLabelsAsPredictions(@TempDir Path dir) throws IOException {
        Path pred = dir.resolve("pred");
        copyTree(CONSEP.resolve("test/inst"), pred.resolve("instances"));
        copyTree(CONSEP.resolve("test/type"), pred.resolve("types"));
        CliRunner.Result r = CliRunner.run("nuclei", "report", "--pred", pred.toString(),
                "--images", CONSEP.resolve("test/images").toString(), "--pixel-size", "0.25",
                "--types", CONSEP.resolve("types.json").toString());
        assertEquals(0, r.code(), r.err());
        // 274 nuclei in the 8 test tiles (the centroid tables' rows).
        assertTrue(r.out().matches("(?s).*total all +274 nuclei.*"), r.out());
        assertTrue(r.out().contains("total epithelial"), r.out());
        List<String> csv = Files.readAllLines(pred.resolve("report/report.csv"));
        assertTrue(csv.get(0).startsWith("image,type,type_name,count"));
        assertTrue(Files.readString(pred.resolve("report/report.html")).contains("H-score"));
    }

    @Test
    void reportWithoutInstancesFolderFails(@TempDir Path dir) {
        CliRunner.Result r = CliRunner.run("nuclei", "report", "--pred", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("instances"), r.err());
        assertFalse(Files.exists(dir.resolve("report")));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
    }
}
