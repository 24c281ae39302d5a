package dev.freqmed.model.fpnunet;

import dev.freqmed.data.FloatImage;
import dev.freqmed.data.NucleusFolderReader;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training patches of a nucleus split: every tile cut by a sliding window of
 * {@code side × side} pixels with step {@code step} (the reference: half the side), corners at {@code 0, step, ...} and one
 * more window flush with the far border when the side does not fit exactly (the reference's
 * patch extractor, spec §1.3, keeps only the regular grid; its 1024 px tiles fit it exactly).
 * Samples carry {@code image} (3, s, s) in 0..255, {@code inst_map} and {@code type_map}
 * (1, s, s); ids are kept as they are. Patches are numbered tile by tile in row-major order.
 */
final class NucleusPatches implements SampleSource {

    private final NucleusFolderReader tiles;
    private final int side;
    private final int[][] corners;
    private final int[] tileOf;
    private final int[] cornerOf;
    private volatile Object[] cached = {-1, null};

    NucleusPatches(NucleusFolderReader tiles, int side, int step, int tileHeight, int tileWidth)
            throws IOException {
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
        tileOf = new int[tiles.size() * corners.length];
        cornerOf = new int[tileOf.length];
        for (int i = 0; i < tileOf.length; i++) {
            tileOf[i] = i / corners.length;
            cornerOf[i] = i % corners.length;
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
        return tiles.id(tileOf[index]) + "_y" + c[0] + "_x" + c[1];
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
