package dev.freqmed.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Regions read from TIFF and PNG files equal the same rectangles of the whole decoded image. */
class ImageRegionReaderTest {

    @TempDir
    Path dir;

    @Test
    void regionsEqualCropsOfTheWholeImage() throws IOException {
        BufferedImage img = new BufferedImage(97, 61, BufferedImage.TYPE_3BYTE_BGR);
        Random r = new Random(3);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        for (String format : new String[] {"tiff", "png"}) {
            Path file = dir.resolve("image." + format);
            assertTrue(ImageIO.write(img, format, file.toFile()), format);
            RgbImage whole = ImageIo.readRgb(file);
            try (ImageRegionReader reader = new ImageRegionReader(file)) {
                assertEquals(97, reader.width());
                assertEquals(61, reader.height());
                int[][] rects = {{0, 0, 97, 61}, {13, 7, 40, 30}, {90, 50, 7, 11}, {0, 60, 97, 1}};
                for (int[] q : rects) {
                    RgbImage part = reader.read(q[0], q[1], q[2], q[3]);
                    assertEquals(q[2], part.width());
                    assertEquals(q[3], part.height());
                    for (int y = 0; y < q[3]; y++) {
                        for (int x = 0; x < q[2]; x++) {
                            for (int c = 0; c < 3; c++) {
                                assertEquals(whole.get(q[1] + y, q[0] + x, c), part.get(y, x, c),
                                        format + " " + java.util.Arrays.toString(q));
                            }
                        }
                    }
                }
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> reader.read(90, 50, 8, 11));
                assertTrue(e.getMessage().contains(file.toString())
                        && e.getMessage().contains("outside"), e.getMessage());
            }
        }
    }

    @Test
    void aFileThatIsNoImageIsNamed() throws IOException {
        Path bad = Files.writeString(dir.resolve("notes.tif"), "not an image");
        IOException e = assertThrows(IOException.class, () -> new ImageRegionReader(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
    }
}
