package dev.freqmed.model.fpnunet;

import dev.freqmed.data.FloatImage;
import dev.freqmed.data.NucleusFolderReader;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The training patches of a nucleus split: every tile cut by a sliding window of
 * {@code side × side} pixels with step {@code step} (the reference: half the side), corners at {@code 0, step, ...} and one
 * more window flush with the far border when the side does not fit exactly (the reference's
 * patch extractor, spec §1.3, keeps only the regular grid; its 1024 px tiles fit it exactly).
 * Samples carry {@code image} (3, s, s) in 0..255, {@code inst_map} and {@code type_map}
 * (1, s, s); ids are kept as they are. Patches are numbered tile by tile in row-major order.
 *
 * <p>With {@code randomPatches = n > 0} the source instead holds {@code n} entries per tile, each
 * the whole tile plus a {@link #CORNER} array naming a fixed corner (the grid's corners spread
 * evenly over the {@code n} entries); {@link #crop(Sample, int, Random)} cuts the patch there, or
 * at a uniformly random corner when training, so that every epoch sees other patches.
 */
final class NucleusPatches implements SampleSource {

    /** Sample key of the suggested patch corner {@code (1, 1, 2)}: row, column. */
    static final String CORNER = "patch_corner";

    private final NucleusFolderReader tiles;
    private final int side;
    private final int[][] corners;
    private final int[] tileOf;
    private final int[] cornerOf;
    private final int perTile;
    private volatile Object[] cached = {-1, null};

    NucleusPatches(NucleusFolderReader tiles, int side, int step, int tileHeight, int tileWidth)
            throws IOException {
        this(tiles, side, step, tileHeight, tileWidth, 0);
    }

    /**
     * @param randomPatches 0 for the regular grid, else entries per tile (whole tiles with a
     *                      suggested corner, see the class comment)
     */
    NucleusPatches(NucleusFolderReader tiles, int side, int step, int tileHeight, int tileWidth,
            int randomPatches) throws IOException {
        if (tileHeight < side || tileWidth < side) {
            throw new IOException("tiles of " + tileHeight + "x" + tileWidth + " are smaller than"
                    + " the " + side + " px training patch (first tile "
                    + tiles.imageFiles().get(0) + ")");
        }
        this.tiles = tiles;
        this.side = side;
        int[] ys = positions(tileHeight, side, step);
        int[] xs = positions(tileWidth, side, step);
        corners = new int[ys.length * xs.length][];
        int k = 0;
        for (int y : ys) {
            for (int x : xs) {
                corners[k++] = new int[] {y, x};
            }
        }
        perTile = randomPatches;
        int per = randomPatches > 0 ? randomPatches : corners.length;
        tileOf = new int[tiles.size() * per];
        cornerOf = new int[tileOf.length];
        for (int i = 0; i < tileOf.length; i++) {
            tileOf[i] = i / per;
            cornerOf[i] = randomPatches > 0 ? (int) ((long) (i % per) * corners.length / per)
                    : i % per;
        }
    }

    static int[] positions(int length, int side, int step) {
        int n = (length - side) / step + 1;
        boolean extra = (length - side) % step != 0;
        int[] p = new int[n + (extra ? 1 : 0)];
        for (int i = 0; i < n; i++) {
            p[i] = i * step;
        }
        if (extra) {
            p[n] = length - side;
        }
        return p;
    }

    @Override
    public int size() {
        return tileOf.length;
    }

    @Override
    public String id(int index) {
        int[] c = corners[cornerOf[index]];
        String base = tiles.id(tileOf[index]);
        return perTile > 0 ? base + "_r" + (index % perTile) : base + "_y" + c[0] + "_x" + c[1];
    }

    @Override
    public Sample get(int index) throws IOException {
        int t = tileOf[index];
        Object[] c = cached;
        Sample tile;
        if ((int) c[0] == t) {
            tile = (Sample) c[1];
        } else {
            tile = tiles.get(t);
            cached = new Object[] {t, tile};
        }
        int[] corner = corners[cornerOf[index]];
        FloatImage image = tile.get(Sample.IMAGE);
        if (perTile > 0) {
            Map<String, FloatImage> arrays = new LinkedHashMap<>(tile.arrays());
            arrays.put(CORNER, new FloatImage(1, 1, 2, new float[] {corner[0], corner[1]}));
            return new Sample(id(index), arrays);
        }
        if (image.height() < corner[0] + side || image.width() < corner[1] + side) {
            throw new IOException(tiles.imageFiles().get(t) + ": tile is " + image.height() + "x"
                    + image.width() + ", the split's first tile fixed the patch grid at "
                    + "larger tiles");
        }
        Map<String, FloatImage> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, FloatImage> e : tile.arrays().entrySet()) {
            arrays.put(e.getKey(), crop(e.getValue(), corner[0], corner[1], side));
        }
        return new Sample(id(index), arrays);
    }

    /**
     * The patch of a whole-tile sample with a {@link #CORNER}: at a uniformly random corner when
     * {@code rng} is given, else at the suggested corner; samples without a corner are returned
     * as they are.
     */
    static Sample crop(Sample tile, int side, Random rng) {
        FloatImage corner = tile.arrays().get(CORNER);
        if (corner == null) {
            return tile;
        }
        FloatImage image = tile.get(Sample.IMAGE);
        int y = Math.round(corner.data()[0]);
        int x = Math.round(corner.data()[1]);
        if (rng != null) {
            y = rng.nextInt(image.height() - side + 1);
            x = rng.nextInt(image.width() - side + 1);
        }
        Map<String, FloatImage> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, FloatImage> e : tile.arrays().entrySet()) {
            if (!e.getKey().equals(CORNER)) {
                arrays.put(e.getKey(), crop(e.getValue(), y, x, side));
            }
        }
        return new Sample(tile.id(), arrays);
    }

    private static FloatImage crop(FloatImage a, int y0, int x0, int s) {
        float[] d = new float[a.channels() * s * s];
        for (int c = 0; c < a.channels(); c++) {
            for (int y = 0; y < s; y++) {
                System.arraycopy(a.data(), (c * a.height() + y0 + y) * a.width() + x0, d,
                        (c * s + y) * s, s);
            }
        }
        return new FloatImage(a.channels(), s, s, d);
    }
}
