package dev.freqmed.io;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads rectangles of an image file without decoding the whole image: the size comes from the
 * header, and each {@link #read} decodes one region ({@code ImageReadParam.setSourceRegion}).
 * A striped or tiled TIFF decodes only the strips or tiles the region touches; PNG and JPEG
 * decode the rows above the region and keep only the region's pixels, so memory follows the
 * region either way.
 *
 * <p>Pixels come out as {@link ImageIo#readRgb} gives them (grey replicated, alpha dropped,
 * palettes expanded, 16-bit samples scaled), with its warnings once per file.
 */
public final class ImageRegionReader implements AutoCloseable {

    private final Path path;
    private final ImageInputStream stream;
    private final ImageReader reader;
    private final int width;
    private final int height;
    private boolean warned;

    /**
     * Opens the file and reads its size.
     *
     * @param path an image file (PNG, JPEG, BMP, TIFF)
     * @throws IOException naming the file when it is missing, unreadable or not an image
     */
    public ImageRegionReader(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "image file does not exist");
        }
        this.path = path;
        ImageInputStream in = ImageIO.createImageInputStream(path.toFile());
        if (in == null) {
            throw new IOException(path + ": image file is not readable");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            in.close();
            throw new IOException(path + ": not a readable image (PNG, JPEG, BMP or TIFF expected)");
        }
        ImageReader r = readers.next();
        try {
            r.setInput(in, true, true);
            this.width = r.getWidth(0);
            this.height = r.getHeight(0);
        } catch (IOException | RuntimeException e) {
            r.dispose();
            in.close();
            throw new IOException(path + ": corrupt or unsupported image (" + e.getMessage() + ")", e);
        }
        this.stream = in;
        this.reader = r;
    }

    /** The image's width in pixels. */
    public int width() {
        return width;
    }

    /** The image's height in pixels. */
    public int height() {
        return height;
    }

    /** The file this reader decodes. */
    public Path path() {
        return path;
    }

    /**
     * Decodes one rectangle as 8-bit RGB.
     *
     * @param x left column
     * @param y top row
     * @param w columns
     * @param h rows
     * @return the region
     * @throws IllegalArgumentException when the rectangle is empty or leaves the image
     * @throws IOException naming the file when decoding fails
     */
    public RgbImage read(int x, int y, int w, int h) throws IOException {
        if (w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > width || y + h > height) {
            throw new IllegalArgumentException(path + ": region " + w + "x" + h + " at (" + x + ", "
                    + y + ") is outside the " + width + "x" + height + " image");
        }
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceRegion(new Rectangle(x, y, w, h));
        BufferedImage image;
        try {
            image = reader.read(0, param);
        } catch (IOException | RuntimeException e) {
            throw new IOException(path + ": corrupt or unsupported image (" + e.getMessage() + ")", e);
        }
        RgbImage rgb = ImageIo.toRgb(image, path, !warned);
        warned = true;
        return rgb;
    }

    @Override
    public void close() throws IOException {
        reader.dispose();
        stream.close();
    }
}
