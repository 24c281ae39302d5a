package dev.freqmed.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.MatlabType;
import us.hebi.matlab.mat.types.Matrix;

class NucleusFolderReaderTest {

    private static final Path CONSEP = Path.of("..", "testdata", "consep");

    @Test
    void readsConsepSplitWithTypesMatchingTheCentroidTable() throws IOException {
        NucleusFolderReader r = NucleusFolderReader.openSplit(CONSEP.resolve("test"), 4);
        assertEquals(8, r.size());
        NucleusFolderReader.Tile t = r.read(0);
        assertEquals("test_10_012", t.id());
        assertEquals(256, t.height());
        assertTrue(t.typed());
        // Every row of the centroid table names an instance whose pixels carry its type.
        List<String> rows = Files.readAllLines(CONSEP.resolve("test/nuclei/test_10_012.csv"));
        int checked = 0;
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            int id = Integer.parseInt(f[0]);
            int type = Integer.parseInt(f[1]);
            for (int i = 0; i < t.instances().length; i++) {
                if (t.instances()[i] == id) {
                    assertEquals(type, t.types()[i], "instance " + id);
                    checked++;
                }
            }
        }
        assertTrue(checked > 1000, "pixels checked " + checked);
        Sample s = r.get(0);
        assertEquals(3, s.get(Sample.IMAGE).channels());
        assertEquals(t.image().get(5, 7, 1), s.get(Sample.IMAGE).get(1, 5, 7));
        assertEquals(t.instances()[300], (int) s.get(NucleusFolderReader.INST_MAP).data()[300]);
    }

    @Test
    void readsHoverNetMatWithInstTypeOnly(@TempDir Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("Images"));
        Path labels = Files.createDirectories(dir.resolve("Labels"));
        writeImage(images.resolve("a.png"), 6, 5);
        int[] inst = {0, 0, 1, 1, 0, 0,
            0, 2, 2, 1, 0, 0,
            0, 2, 2, 0, 0, 3,
            0, 0, 0, 0, 3, 3,
            0, 0, 0, 0, 0, 0};
        MatFile mat = Mat5.newMatFile()
                .addArray("inst_map", matrix(inst, 5, 6))
                .addArray("inst_type", matrix(new int[] {4, 2, 7}, 3, 1))
                .addArray("inst_centroid", Mat5.newMatrix(3, 2));
        Mat5.writeToFile(mat, labels.resolve("a.mat").toFile());
        NucleusFolderReader.Tile t = NucleusFolderReader.open(images, labels, 8).read(0);
        assertArrayEquals(inst, t.instances());
        assertEquals(4, t.types()[2]);
        assertEquals(2, t.types()[7]);
        assertEquals(7, t.types()[17]);
        assertEquals(0, t.types()[0]);
        // Type 7 is outside CoNSeP's four classes.
        IOException e = assertThrows(IOException.class,
                () -> NucleusFolderReader.open(images, labels, 4).read(0));
        assertTrue(e.getMessage().contains("a.mat") && e.getMessage().contains("type id 7"),
                e.getMessage());
    }

    @Test
    void refusesMatWithoutInstMap(@TempDir Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("Images"));
        Path labels = Files.createDirectories(dir.resolve("Labels"));
        writeImage(images.resolve("b.png"), 4, 4);
        Mat5.writeToFile(Mat5.newMatFile().addArray("type_map", Mat5.newMatrix(4, 4)),
                labels.resolve("b.mat").toFile());
        IOException e = assertThrows(IOException.class,
                () -> NucleusFolderReader.open(images, labels, 4).read(0));
        assertTrue(e.getMessage().contains("b.mat") && e.getMessage().contains("inst_map"),
                e.getMessage());
    }

    @Test
    void refusesEightBitAndRgbInstancePngs(@TempDir Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("inst"));
        writeImage(images.resolve("c.png"), 4, 4);
        ImageIo.writeGray8(dir.resolve("inst/c.png"), new GrayImage(4, 4, 8, new int[16]));
        NucleusFolderReader r = NucleusFolderReader.openSplit(dir, 4);
        IOException e8 = assertThrows(IOException.class, () -> r.read(0));
        assertTrue(e8.getMessage().contains("c.png") && e8.getMessage().contains("8-bit"),
                e8.getMessage());
        writeImage(dir.resolve("inst/c.png"), 4, 4);
        IOException rgb = assertThrows(IOException.class, () -> r.read(0));
        assertTrue(rgb.getMessage().contains("3 channels"), rgb.getMessage());
        ImageIo.writeGray16(dir.resolve("inst/c.png"), new GrayImage(4, 4, 16, new int[16]));
        assertFalse(r.read(0).typed());
    }

    @Test
    void refusesImagesWithoutLabels(@TempDir Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        writeImage(images.resolve("d.png"), 4, 4);
        IOException e = assertThrows(IOException.class,
                () -> NucleusFolderReader.open(images, Files.createDirectories(dir.resolve("l")),
                        4));
        assertTrue(e.getMessage().contains("d"), e.getMessage());
    }

    private static Matrix matrix(int[] v, int rows, int cols) {
        Matrix m = Mat5.newMatrix(rows, cols, MatlabType.Int32);
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                m.setInt(y, x, v[y * cols + x]);
            }
        }
        return m;
    }

    private static void writeImage(Path path, int w, int h) throws IOException {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 37);
        }
        ImageIo.writeRgb(path, new RgbImage(w, h, px));
    }
}
