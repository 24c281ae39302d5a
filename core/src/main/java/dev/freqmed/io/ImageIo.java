package dev.freqmed.io;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes the image files FreqMed works with: PNG (8- and 16-bit), JPEG, BMP and TIFF.
 *
 * <p>Every failure is an {@link IOException} whose message starts with the path. Writers go
 * through a temporary file in the same folder and an atomic rename.
 */
public final class ImageIo {

    private static final Logger LOG = LoggerFactory.getLogger(ImageIo.class);

    /** File extensions (lower case, without dot) that the readers accept. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "tif", "tiff");

    private ImageIo() {
    }

    /** Whether the file name has one of {@link #EXTENSIONS}. */
    public static boolean isImage(Path path) {
        return EXTENSIONS.contains(extension(path));
    }

    /** The lower-case extension of a file name, without the dot, or "" if none. */
    public static String extension(Path path) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** The file name without its last extension. */
    public static String stem(Path path) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    /**
     * Decodes an image file.
     *
     * @throws IOException naming the file when it is missing, unreadable, corrupt or of an
     *                     unknown format
     */
    public static BufferedImage read(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "image file does not exist");
        }
        if (!Files.isReadable(path)) {
            throw new IOException(path + ": image file is not readable");
        }
        BufferedImage image;
        try (InputStream in = Files.newInputStream(path)) {
            image = ImageIO.read(in);
        } catch (IOException | RuntimeException e) {
            throw new IOException(path + ": corrupt or unsupported image (" + e.getMessage() + ")", e);
        }
        if (image == null) {
            throw new IOException(path + ": not a readable image (PNG, JPEG, BMP or TIFF expected)");
        }
        return image;
    }

    /**
     * Reads a single-channel image keeping its sample values: 16-bit PNG/TIFF samples stay
     * 0..65535, 8-bit samples 0..255. A colour image is refused unless its three channels are
     * equal, in which case the first channel is used.
     *
     * @throws IOException naming the file when it cannot be decoded or is not grey
     */
    public static GrayImage readGray(Path path) throws IOException {
        BufferedImage image = read(path);
        Raster raster = image.getRaster();
        int w = image.getWidth();
        int h = image.getHeight();
        int bands = raster.getNumBands();
        int bits = raster.getSampleModel().getSampleSize(0);
        int[] out = new int[w * h];
        if (image.getColorModel() instanceof IndexColorModel cm) {
            int[] idx = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < out.length; i++) {
                int r = cm.getRed(idx[i]);
                if (r != cm.getGreen(idx[i]) || r != cm.getBlue(idx[i])) {
                    throw new IOException(path + ": expected a single-channel (grey) image, found colour palette entries");
                }
                out[i] = r;
            }
            return new GrayImage(w, h, 8, out);
        }
        if (bands == 1) {
            raster.getSamples(0, 0, w, h, 0, out);
            return new GrayImage(w, h, bits > 8 ? 16 : 8, out);
        }
        int[] r = raster.getSamples(0, 0, w, h, 0, (int[]) null);
        int[] g = raster.getSamples(0, 0, w, h, 1, (int[]) null);
        int[] b = bands > 2 ? raster.getSamples(0, 0, w, h, 2, (int[]) null) : g;
        for (int i = 0; i < out.length; i++) {
            if (r[i] != g[i] || r[i] != b[i]) {
                throw new IOException(path + ": expected a single-channel (grey) image, found colour pixels");
            }
            out[i] = r[i];
        }
        return new GrayImage(w, h, bits > 8 ? 16 : 8, out);
    }

    /**
     * Reads any image as 8-bit RGB: grey is replicated, alpha is dropped (as PIL's
     * {@code convert('RGB')} does), palettes are expanded, 16-bit samples are scaled to 8 bits.
     * Each conversion other than palette expansion is logged once per file as a warning.
     */
    public static RgbImage readRgb(Path path) throws IOException {
        return toRgb(read(path), path, true);
    }

    /**
     * {@link #readRgb}'s conversion of a decoded image (or a decoded region of one) to 8-bit RGB.
     *
     * @param image the decoded pixels
     * @param path  the file they came from, named in the conversion warnings
     * @param warn  whether to log the conversion (once per file: a region reader warns for the
     *              first region only)
     * @return the RGB raster
     */
    public static RgbImage toRgb(BufferedImage image, Path path, boolean warn) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        int bits = raster.getSampleModel().getSampleSize(0);
        byte[] out = new byte[w * h * 3];
        boolean palette = image.getColorModel() instanceof IndexColorModel;
        if (warn && !palette && (bands == 1 || bands == 2)) {
            LOG.warn("{}: grey image converted to RGB{}", path, bands == 2 ? " (alpha dropped)" : "");
        } else if (warn && !palette && bands == 4) {
            LOG.warn("{}: RGBA image converted to RGB (alpha dropped)", path);
        }
        if (!palette && bits == 8 && bands >= 3) {
            int[] r = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            int[] g = raster.getSamples(0, 0, w, h, 1, (int[]) null);
            int[] b = raster.getSamples(0, 0, w, h, 2, (int[]) null);
            for (int i = 0; i < r.length; i++) {
                out[3 * i] = (byte) r[i];
                out[3 * i + 1] = (byte) g[i];
                out[3 * i + 2] = (byte) b[i];
            }
            return new RgbImage(w, h, out);
        }
        if (!palette && bits == 8 && (bands == 1 || bands == 2)) {
            int[] g = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < g.length; i++) {
                byte v = (byte) g[i];
                out[3 * i] = v;
                out[3 * i + 1] = v;
                out[3 * i + 2] = v;
            }
            return new RgbImage(w, h, out);
        }
        if (!palette && bits > 8 && (bands == 1 || bands == 2)) {
            int[] g = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < g.length; i++) {
                byte v = (byte) Math.round(g[i] / 257.0);
                out[3 * i] = v;
                out[3 * i + 1] = v;
                out[3 * i + 2] = v;
            }
            return new RgbImage(w, h, out);
        }
        // Palettes and other layouts: let Java2D convert.
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        rgb.getGraphics().drawImage(image, 0, 0, null);
        byte[] bgr = ((DataBufferByte) rgb.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < w * h; i++) {
            out[3 * i] = bgr[3 * i + 2];
            out[3 * i + 1] = bgr[3 * i + 1];
            out[3 * i + 2] = bgr[3 * i];
        }
        return new RgbImage(w, h, out);
    }

    /** Converts an RGB raster to a {@link BufferedImage} of type {@code TYPE_3BYTE_BGR}. */
    public static BufferedImage toBufferedImage(RgbImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        byte[] rgb = image.data();
        for (int i = 0; i < image.width() * image.height(); i++) {
            bgr[3 * i] = rgb[3 * i + 2];
            bgr[3 * i + 1] = rgb[3 * i + 1];
            bgr[3 * i + 2] = rgb[3 * i];
        }
        return out;
    }

    /** Writes an 8-bit grey PNG (values clamped to 0..255), atomically. */
    public static void writeGray8(Path path, GrayImage image) throws IOException {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] dst = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        int[] src = image.data();
        for (int i = 0; i < src.length; i++) {
            dst[i] = (byte) Math.max(0, Math.min(255, src[i]));
        }
        writePng(path, out);
    }

    /** Writes a 16-bit grey PNG (values clamped to 0..65535), atomically. */
    public static void writeGray16(Path path, GrayImage image) throws IOException {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_USHORT_GRAY);
        short[] dst = ((DataBufferUShort) out.getRaster().getDataBuffer()).getData();
        int[] src = image.data();
        for (int i = 0; i < src.length; i++) {
            dst[i] = (short) Math.max(0, Math.min(65535, src[i]));
        }
        writePng(path, out);
    }

    /** Writes an RGB raster as PNG, atomically. */
    public static void writeRgb(Path path, RgbImage image) throws IOException {
        writePng(path, toBufferedImage(image));
    }

    /** Writes any image as PNG through a temporary file and an atomic rename. */
    public static void writePng(Path path, BufferedImage image) throws IOException {
        AtomicFiles.write(path, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException(path + ": no PNG writer for this image type");
            }
        });
    }

    /** A writer of bytes to an output stream. */
    @FunctionalInterface
    public interface StreamWriter {
        /** Writes the content. */
        void write(OutputStream out) throws IOException;
    }
}
