package dev.freqmed.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

class BinaryFolderReaderTest {

    static void writePair(Path root, String imgDir, String maskDir, String stem, String maskSuffix, int w, int h)
            throws IOException {
        byte[] rgb = new byte[w * h * 3];
        int[] mask = new int[w * h];
        for (int i = 0; i < w * h; i++) {
            rgb[3 * i] = (byte) (i % 251);
            rgb[3 * i + 1] = (byte) 100;
            rgb[3 * i + 2] = (byte) 200;
            mask[i] = i % 3 == 0 ? 255 : 0;
        }
        ImageIo.writeRgb(root.resolve(imgDir).resolve(stem + ".png"), new RgbImage(w, h, rgb));
        ImageIo.writeGray8(root.resolve(maskDir).resolve(stem + maskSuffix + ".png"), new GrayImage(w, h, 8, mask));
    }

    @Test
    void readsImagesAndMasksWithSplitCsv(@TempDir Path root) throws IOException {
        writePair(root, "images", "masks", "a", "", 6, 4);
        writePair(root, "images", "masks", "b", "", 6, 4);
        writePair(root, "images", "masks", "c", "", 6, 4);
        Files.writeString(root.resolve("split.csv"), "id,split\na,train\nb,test\nc,train\n");
        BinaryFolderReader train = BinaryFolderReader.open(root, "train");
        assertEquals(List.of("a", "c"), train.ids());
        Sample s = train.get(0);
        FloatImage img = s.get(Sample.IMAGE);
        FloatImage mask = s.get(Sample.MASK);
        assertEquals(3, img.channels());
        assertEquals(4, img.height());
        assertEquals(6, img.width());
        assertEquals(5f, img.get(0, 0, 5));
        assertEquals(100f, img.get(1, 2, 2));
        assertEquals(1f, mask.get(0, 0, 0));
        assertEquals(0f, mask.get(0, 0, 1));
        assertEquals(List.of("b"), BinaryFolderReader.open(root, "test").ids());
        assertEquals(3, BinaryFolderReader.open(root, "all").size());
    }

    @Test
    void readsSplitFoldersAndDisLayoutWithMaskSuffixes(@TempDir Path root) throws IOException {
        writePair(root.resolve("train"), "im", "gt", "x1", "", 5, 5);
        writePair(root.resolve("val"), "im", "gt", "x2", "_segmentation", 5, 5);
        assertEquals(List.of("x1"), BinaryFolderReader.open(root, "train").ids());
        assertEquals(List.of("x2"), BinaryFolderReader.open(root, "val").ids());
    }

    @Test
    void imageWithoutMaskIsNamed(@TempDir Path root) throws IOException {
        writePair(root, "images", "masks", "a", "", 4, 4);
        ImageIo.writeRgb(root.resolve("images/lonely.png"), new RgbImage(4, 4, new byte[48]));
        IOException e = assertThrows(IOException.class, () -> BinaryFolderReader.open(root, "all"));
        assertTrue(e.getMessage().contains("lonely.png") && e.getMessage().contains("no matching mask"), e.getMessage());
    }

    @Test
    void maskWithoutImageIsNamed(@TempDir Path root) throws IOException {
        writePair(root, "images", "masks", "a", "", 4, 4);
        ImageIo.writeGray8(root.resolve("masks/orphan.png"), new GrayImage(4, 4, 8, new int[16]));
        IOException e = assertThrows(IOException.class, () -> BinaryFolderReader.open(root, "all"));
        assertTrue(e.getMessage().contains("orphan.png") && e.getMessage().contains("no matching image"), e.getMessage());
    }

    @Test
    void sizeMismatchNamesBothFiles(@TempDir Path root) throws IOException {
        writePair(root, "images", "masks", "a", "", 4, 4);
        ImageIo.writeGray8(root.resolve("masks/a.png"), new GrayImage(5, 4, 8, new int[20]));
        BinaryFolderReader r = BinaryFolderReader.open(root, "all");
        IOException e = assertThrows(IOException.class, () -> r.get(0));
        assertTrue(e.getMessage().contains("masks/a.png") && e.getMessage().contains("5x4")
                && e.getMessage().contains("4x4"), e.getMessage());
    }

    @Test
    void corruptImageIsNamed(@TempDir Path root) throws IOException {
        writePair(root, "images", "masks", "a", "", 4, 4);
        Files.write(root.resolve("images/a.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        BinaryFolderReader r = BinaryFolderReader.open(root, "all");
        IOException e = assertThrows(IOException.class, () -> r.get(0));
        assertTrue(e.getMessage().contains("images/a.png"), e.getMessage());
    }

    @Test
    void emptySplitAndMissingLayoutAreErrors(@TempDir Path root) throws IOException {
        IOException none = assertThrows(IOException.class, () -> BinaryFolderReader.open(root, "train"));
        assertTrue(none.getMessage().contains("no image/mask folders"), none.getMessage());
        writePair(root, "images", "masks", "a", "", 4, 4);
        Files.writeString(root.resolve("split.csv"), "id,split\na,train\n");
        IOException empty = assertThrows(IOException.class, () -> BinaryFolderReader.open(root, "val"));
        assertTrue(empty.getMessage().contains("'val' is empty"), empty.getMessage());
        Files.writeString(root.resolve("split.csv"), "id,split\nzz,train\n");
        IOException unknown = assertThrows(IOException.class, () -> BinaryFolderReader.open(root, "train"));
        assertTrue(unknown.getMessage().contains("split.csv:2") && unknown.getMessage().contains("zz"), unknown.getMessage());
    }

    @Test
    void bundledPh2SampleIsComplete() throws IOException {
        Path ph2 = Path.of("..", "testdata", "ph2");
        assertEquals(120, BinaryFolderReader.open(ph2, "train").size());
        assertEquals(20, BinaryFolderReader.open(ph2, "val").size());
        assertEquals(20, BinaryFolderReader.open(ph2, "test").size());
    }

    @Test
    void zeroOneMasksCountNonZeroAsForeground(@TempDir Path root) throws IOException {
        writePair(root, "images", "masks", "a", "", 4, 2);
        ImageIo.writeGray8(root.resolve("masks/a.png"),
                new GrayImage(4, 2, 8, new int[] {0, 1, 1, 0, 0, 0, 1, 0}));
        FloatImage mask = BinaryFolderReader.open(root, "all").get(0).get(Sample.MASK);
        assertEquals(1f, mask.get(0, 0, 1));
        assertEquals(1f, mask.get(0, 1, 2));
        assertEquals(0f, mask.get(0, 0, 0));
        // A 0/255 mask is still scaled by 1/255, a soft mask keeps its fractions.
        ImageIo.writeGray8(root.resolve("masks/a.png"),
                new GrayImage(4, 2, 8, new int[] {0, 255, 51, 0, 0, 0, 1, 0}));
        mask = BinaryFolderReader.open(root, "all").get(0).get(Sample.MASK);
        assertEquals(1f, mask.get(0, 0, 1));
        assertEquals(0.2f, mask.get(0, 0, 2), 1e-7f);
        assertEquals(1f / 255f, mask.get(0, 1, 2), 1e-9f);
    }
}
