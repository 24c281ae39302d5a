package dev.freqmed.data;

import dev.freqmed.train.ProgressListener;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Cuts labelled nucleus tiles into overlapping patches and writes them in the HDF5 layout
 * FPNuNet's loader reads (spec fpnunet §1.3–1.4): one group per patch, named
 * {@code STEM_yYYYYY_xXXXXX} (top-left corner; lexicographic order = image, then row, then
 * column), holding {@code image} (window, window, 3), {@code inst_map} (window, window) int32 ids
 * as in the source (not renumbered), {@code type_map} and {@code boundary_map} (window, window).
 *
 * <p>Windows start at rows and columns {@code 0, step, 2 step, ...} while the window fits, without
 * padding and without an extra window at the far edge, as the reference's {@code
 * patch_extractor.py} does; an image smaller than the window is first padded at the bottom and
 * right with zeros (background, black pixels), and the padding is reported.
 *
 * <p>Boundary map (the reference's generator is missing; spec §1.4 recommendation): computed on
 * the whole image before cropping, 1 on a nucleus pixel one of whose 4-neighbours inside the
 * image carries another id (background included).
 *
 * <p>The root group carries the attributes {@code layout}, {@code window} and {@code step}.
 * HV targets are not stored: the loader recomputes them from {@code inst_map}
 * ({@code dev.freqmed.post.HvTargets}).
 */
public final class NucleusPatchWriter {

    /** Value of the root attribute {@code layout}. */
    public static final String LAYOUT = "fpnunet-patches-v1";

    /**
     * What was written.
     *
     * @param images  tiles read
     * @param patches groups written
     * @param padded  ids of the tiles smaller than the window, padded
     */
    public record Result(int images, int patches, List<String> padded) {
    }

    private NucleusPatchWriter() {
    }

    /**
     * Writes every tile of {@code source} as patches to {@code out} (through a temporary file
     * renamed on success, so a failure leaves no partial file).
     *
     * <p>DEVIATION: {@code image} is stored as int16, not the recommended uint8, because the HDF5
     * library writes Java bytes as signed int8 and the loader casts the stored values to float;
     * values are 0..255 either way. The writer holds the patches in memory until the file is
     * closed (about 200 KB per 128x128 patch).
     *
     * @throws IOException naming the tile or file that could not be read or written
     * @throws IllegalArgumentException for a non-positive window or step
     */
    public static Result write(NucleusFolderReader source, Path out, int window, int step,
            ProgressListener progress) throws IOException {
        if (window < 1 || step < 1) {
            throw new IllegalArgumentException("window and step must be >= 1, found window "
                    + window + ", step " + step);
        }
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = out.resolveSibling(out.getFileName() + "." + UUID.randomUUID() + ".part");
        List<String> padded = new ArrayList<>();
        int patches = 0;
        try {
            try (WritableHdfFile h5 = HdfFile.write(tmp)) {
                h5.putAttribute("layout", LAYOUT);
                h5.putAttribute("window", window);
                h5.putAttribute("step", step);
                for (int i = 0; i < source.size(); i++) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new IOException("interrupted while writing " + out);
                    }
                    NucleusFolderReader.Tile t = source.read(i);
                    int n = writeTile(h5, t, window, step, padded);
                    patches += n;
                    progress.message(String.format(Locale.ROOT, "%d/%d %s: %d patches",
                            i + 1, source.size(), t.id(), n));
                }
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Result(source.size(), patches, padded);
    }

    private static int writeTile(WritableGroup h5, NucleusFolderReader.Tile t, int window,
            int step, List<String> padded) {
        int h = t.height();
        int w = t.width();
        int[] boundary = boundary(t.instances(), h, w);
        int ph = Math.max(h, window);
        int pw = Math.max(w, window);
        if (ph != h || pw != w) {
            padded.add(t.id());
        }
        byte[] px = t.image().data();
        int count = 0;
        for (int y0 = 0; y0 + window <= ph; y0 += step) {
            for (int x0 = 0; x0 + window <= pw; x0 += step) {
                short[][][] image = new short[window][window][3];
                int[][] inst = new int[window][window];
                byte[][] type = new byte[window][window];
                byte[][] bound = new byte[window][window];
                for (int y = 0; y < window; y++) {
                    int sy = y0 + y;
                    if (sy >= h) {
                        continue;
                    }
                    for (int x = 0; x < window; x++) {
                        int sx = x0 + x;
                        if (sx >= w) {
                            continue;
                        }
                        int s = sy * w + sx;
                        for (int c = 0; c < 3; c++) {
                            image[y][x][c] = (short) (px[3 * s + c] & 0xff);
                        }
                        inst[y][x] = t.instances()[s];
                        type[y][x] = (byte) t.types()[s];
                        bound[y][x] = (byte) boundary[s];
                    }
                }
                WritableGroup g = h5.putGroup(String.format(Locale.ROOT, "%s_y%05d_x%05d",
                        t.id(), y0, x0));
                g.putDataset("image", image);
                g.putDataset("inst_map", inst);
                g.putDataset("type_map", type);
                g.putDataset("boundary_map", bound);
                count++;
            }
        }
        return count;
    }

    /**
     * 1 on nucleus pixels with a 4-neighbour (inside the image) of another id, else 0.
     *
     * @param instances {@code height * width} ids, 0 = background
     */
    public static int[] boundary(int[] instances, int height, int width) {
        int[] b = new int[instances.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                int id = instances[p];
                if (id == 0) {
                    continue;
                }
                if ((y > 0 && instances[p - width] != id)
                        || (x > 0 && instances[p - 1] != id)
                        || (x < width - 1 && instances[p + 1] != id)
                        || (y < height - 1 && instances[p + width] != id)) {
                    b[p] = 1;
                }
            }
        }
        return b;
    }
}
