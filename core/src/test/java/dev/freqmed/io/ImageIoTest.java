package dev.freqmed.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageIoTest {

    @Test
    void rgbaDropsAlphaInsteadOfBlending(@TempDir Path dir) throws IOException {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x00ff8040); // fully transparent, colour kept
        img.setRGB(1, 0, 0x80102030);
        Path p = dir.resolve("rgba.png");
        ImageIO.write(img, "png", p.toFile());
        RgbImage rgb = ImageIo.readRgb(p);
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0x80, 0x40, 0x10, 0x20, 0x30}, rgb.data());
    }

    @Test
    void palettePngsAreExpandedNotReadAsIndices(@TempDir Path dir) throws IOException {
        byte[] r = {0, (byte) 200};
        byte[] g = {0, 100};
        byte[] b = {0, 50};
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(1, 2, r, g, b));
        img.getRaster().setSample(1, 0, 0, 1);
        Path p = dir.resolve("pal.png");
        ImageIO.write(img, "png", p.toFile());
        assertArrayEquals(new byte[] {0, 0, 0, (byte) 200, 100, 50}, ImageIo.readRgb(p).data());
        IOException e = assertThrows(IOException.class, () -> ImageIo.readGray(p));
        assertTrue(e.getMessage().contains("pal.png"), e.getMessage());
        byte[] grey = {0, (byte) 255};
        BufferedImage mask = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(1, 2, grey, grey, grey));
        mask.getRaster().setSample(1, 0, 0, 1);
        Path m = dir.resolve("mask.png");
        ImageIO.write(mask, "png", m.toFile());
        assertArrayEquals(new int[] {0, 255}, ImageIo.readGray(m).data());
    }

    @Test
    void sixteenBitGreyRoundTripsAndAtomicWritesLeaveNoTemporaries(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("inst.png");
        ImageIo.writeGray16(p, new GrayImage(3, 1, 16, new int[] {0, 1, 65535}));
        GrayImage g = ImageIo.readGray(p);
        assertEquals(16, g.bitDepth());
        assertArrayEquals(new int[] {0, 1, 65535}, g.data());
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }
}
