package dev.freqmed.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import dev.freqmed.train.ProgressListener;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NucleusPatchesTest {

    private static final Path TESTDATA = Path.of("..", "testdata");

    @Test
    void consepTilesRoundTripThroughPatchFile(@TempDir Path dir) throws IOException {
        Path split = dir.resolve("train");
        for (String sub : new String[] {"images", "inst", "type"}) {
            Files.createDirectories(split.resolve(sub));
        }
        Path src = TESTDATA.resolve("consep/train");
        for (String stem : new String[] {"train_1_005", "train_6_005"}) {
            Files.copy(src.resolve("images/" + stem + ".jpg"),
                    split.resolve("images/" + stem + ".jpg"));
            for (String sub : new String[] {"inst", "type"}) {
                Files.copy(src.resolve(sub + "/" + stem + ".png"),
                        split.resolve(sub + "/" + stem + ".png"));
            }
        }
        NucleusFolderReader tiles = NucleusFolderReader.openSplit(split, 4);
        Path out = dir.resolve("out/patches.h5");
        List<String> messages = new ArrayList<>();
        NucleusPatchWriter.Result r = NucleusPatchWriter.write(tiles, out, 128, 64,
                new ProgressListener() {
                    @Override
                    public void message(String text) {
                        messages.add(text);
                    }
                });
        // 256 px, window 128, step 64: corners 0, 64, 128 on each axis.
        assertEquals(18, r.patches());
        assertEquals(2, messages.size());
        assertTrue(r.padded().isEmpty());
        try (HdfFile f = new HdfFile(out)) {
            assertEquals(NucleusPatchWriter.LAYOUT, f.getAttribute("layout").getData());
        }
        try (NucleusPatchReader patches = NucleusPatchReader.open(out)) {
            assertEquals(18, patches.size());
            assertEquals("train_1_005_y00000_x00000", patches.id(0));
            assertEquals("train_1_005_y00064_x00128", patches.id(5));
            NucleusFolderReader.Tile t = tiles.read(0);
            int[] bound = NucleusPatchWriter.boundary(t.instances(), 256, 256);
            Sample s = patches.get(5);
            int checked = 0;
            for (int y = 0; y < 128; y++) {
                for (int x = 0; x < 128; x++) {
                    int p = (64 + y) * 256 + 128 + x;
                    for (int c = 0; c < 3; c++) {
                        assertEquals(t.image().get(64 + y, 128 + x, c),
                                s.get(Sample.IMAGE).get(c, y, x));
                    }
                    assertEquals(t.instances()[p], s.get("inst_map").get(0, y, x));
                    assertEquals(t.types()[p], s.get("type_map").get(0, y, x));
                    assertEquals(bound[p], s.get("boundary_map").get(0, y, x));
                    checked += t.instances()[p] > 0 ? 1 : 0;
                }
            }
            assertTrue(checked > 500, "nucleus pixels in the patch: " + checked);
        }
        assertFalse(Files.list(out.getParent()).anyMatch(p -> p.toString().endsWith(".part")));
    }

    @Test
    void boundaryMarksPixelsTouchingAnotherId() {
        int[] inst = {
            1, 1, 1, 0,
            1, 1, 1, 0,
            1, 1, 2, 2,
            0, 0, 2, 2};
        // Image borders do not count; background and the other nucleus do.
        int[] expected = {
            0, 0, 1, 0,
            0, 0, 1, 0,
            1, 1, 1, 1,
            0, 0, 1, 0};
        int[] b = NucleusPatchWriter.boundary(inst, 4, 4);
        for (int i = 0; i < 16; i++) {
            assertEquals(expected[i], b[i], "pixel " + i);
        }
    }

    @Test
    void smallImageIsPaddedToOneWindow(@TempDir Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("inst"));
        byte[] px = new byte[20 * 10 * 3];
        java.util.Arrays.fill(px, (byte) 200);
        ImageIo.writeRgb(images.resolve("s.png"), new RgbImage(20, 10, px));
        int[] ids = new int[200];
        ids[15] = 3;
        ImageIo.writeGray16(dir.resolve("inst/s.png"), new GrayImage(20, 10, 16, ids));
        Path out = dir.resolve("p.h5");
        NucleusPatchWriter.Result r = NucleusPatchWriter.write(
                NucleusFolderReader.openSplit(dir, 4), out, 32, 16, ProgressListener.NONE);
        assertEquals(List.of("s"), r.padded());
        assertEquals(1, r.patches());
        try (NucleusPatchReader p = NucleusPatchReader.open(out)) {
            Sample s = p.get(0);
            assertEquals(32, s.get(Sample.IMAGE).height());
            assertEquals(200f, s.get(Sample.IMAGE).get(0, 9, 19));
            assertEquals(0f, s.get(Sample.IMAGE).get(0, 10, 19));
            assertEquals(3f, s.get("inst_map").get(0, 0, 15));
        }
    }

    @Test
    void readsTheReferenceLayoutWithUnsignedBytes() throws IOException {
        try (NucleusPatchReader p = NucleusPatchReader.open(
                TESTDATA.resolve("nuclei-post/reference_layout.h5"))) {
            assertEquals(2, p.size());
            assertEquals("tile1_0_0", p.id(0));
            Sample s = p.get(0);
            assertEquals(250f, s.get(Sample.IMAGE).get(0, 0, 0));
            assertEquals(3f, s.get(Sample.IMAGE).get(1, 0, 0));
            assertEquals(128f, s.get(Sample.IMAGE).get(2, 0, 0));
            assertEquals(188f, s.get(Sample.IMAGE).get(2, 5, 5));
            assertEquals(2000f, s.get("inst_map").get(0, 3, 4));
            assertEquals(8f, s.get("type_map").get(0, 3, 4));
        }
    }

    @Test
    void refusesAnotherLayoutNamingFileAndKey(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.h5");
        try (WritableHdfFile f = HdfFile.write(bad)) {
            f.putGroup("p0").putDataset("image", new short[4][4][3]);
        }
        IOException e = assertThrows(IOException.class, () -> NucleusPatchReader.open(bad));
        assertTrue(e.getMessage().contains("bad.h5") && e.getMessage().contains("inst_map"),
                e.getMessage());
        Path flat = dir.resolve("flat.h5");
        try (WritableHdfFile f = HdfFile.write(flat)) {
            f.putDataset("images", new int[] {1, 2});
        }
        IOException e2 = assertThrows(IOException.class, () -> NucleusPatchReader.open(flat));
        assertTrue(e2.getMessage().contains("flat.h5") && e2.getMessage().contains("images"),
                e2.getMessage());
    }
}
