package dev.freqmed.data;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a nucleus patch file in FPNuNet's HDF5 layout (spec fpnunet §1.4): every root group is a
 * patch (sorted by name, as the reference's loader does) with {@code image} (H, W, 3),
 * {@code inst_map}, {@code type_map} and {@code boundary_map} (H, W), any numeric type. Files
 * written by {@link NucleusPatchWriter} and by the reference's own extractor (uint8 images) both
 * load.
 *
 * <p>Samples carry {@code image} (3, H, W) in 0..255, {@code inst_map}, {@code type_map} and
 * {@code boundary_map} (1, H, W). Not thread-safe for {@link #get}: the HDF5 library's reads are
 * serialised here.
 */
public final class NucleusPatchReader implements SampleSource, AutoCloseable {

    /** Datasets every patch group must hold. */
    public static final List<String> KEYS =
            List.of("image", "inst_map", "type_map", "boundary_map");

    private final Path path;
    private final HdfFile file;
    private final List<String> ids;

    private NucleusPatchReader(Path path, HdfFile file, List<String> ids) {
        this.path = path;
        this.file = file;
        this.ids = ids;
    }

    /**
     * Opens a patch file and checks its layout on the first patch.
     *
     * @throws IOException naming the file and key when it is not HDF5, has no patch group, or a
     *                     group lacks a dataset of {@link #KEYS}
     */
    public static NucleusPatchReader open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "patch file not found");
        }
        HdfFile f;
        try {
            f = new HdfFile(path);
        } catch (RuntimeException e) {
            throw new IOException(path + ": not a readable HDF5 file (" + e.getMessage() + ")",
                    e);
        }
        try {
            List<String> ids = new ArrayList<>();
            for (Map.Entry<String, Node> e : f.getChildren().entrySet()) {
                if (e.getValue() instanceof Group) {
                    ids.add(e.getKey());
                } else {
                    throw new IOException(path + ": '" + e.getKey() + "' is a dataset at the"
                            + " root; the patch layout has one group per patch");
                }
            }
            if (ids.isEmpty()) {
                throw new IOException(path + ": no patch groups at the root");
            }
            ids.sort(null);
            NucleusPatchReader r = new NucleusPatchReader(path, f, ids);
            r.get(0);
            return r;
        } catch (IOException | RuntimeException e) {
            f.close();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException(path + ": unreadable patch layout (" + e.getMessage() + ")",
                    e);
        }
    }

    @Override
    public int size() {
        return ids.size();
    }

    @Override
    public String id(int index) {
        return ids.get(index);
    }

    @Override
    public synchronized Sample get(int index) throws IOException {
        String id = ids.get(index);
        Node node = file.getChild(id);
        if (!(node instanceof Group g)) {
            throw new IOException(path + ": '" + id + "' is not a group");
        }
        Map<String, FloatImage> arrays = new LinkedHashMap<>();
        Dataset image = dataset(g, id, "image");
        int[] dims = image.getDimensions();
        if (dims.length != 3 || dims[2] != 3) {
            throw new IOException(path + ": '" + id + "/image' must be (H, W, 3), found "
                    + java.util.Arrays.toString(dims));
        }
        int h = dims[0];
        int w = dims[1];
        double[] px = flat(path, id + "/image", image);
        float[] planar = new float[3 * h * w];
        for (int i = 0; i < h * w; i++) {
            for (int c = 0; c < 3; c++) {
                planar[c * h * w + i] = (float) px[3 * i + c];
            }
        }
        arrays.put(Sample.IMAGE, new FloatImage(3, h, w, planar));
        for (String key : KEYS.subList(1, KEYS.size())) {
            Dataset d = dataset(g, id, key);
            int[] dd = d.getDimensions();
            if (dd.length != 2 || dd[0] != h || dd[1] != w) {
                throw new IOException(path + ": '" + id + "/" + key + "' must be (" + h + ", "
                        + w + "), found " + java.util.Arrays.toString(dd));
            }
            double[] v = flat(path, id + "/" + key, d);
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            arrays.put(key, new FloatImage(1, h, w, f));
        }
        return new Sample(id, arrays);
    }

    private Dataset dataset(Group g, String id, String key) throws IOException {
        Node n = g.getChild(key);
        if (!(n instanceof Dataset d)) {
            throw new IOException(path + ": patch '" + id + "' has no dataset '" + key
                    + "' (expected " + KEYS + ", found " + g.getChildren().keySet() + ")");
        }
        return d;
    }

    private static double[] flat(Path path, String key, Dataset d) throws IOException {
        Object o = d.getDataFlat();
        int n = java.lang.reflect.Array.getLength(o);
        double[] out = new double[n];
        if (o instanceof byte[] a) {
            for (int i = 0; i < n; i++) {
                out[i] = a[i];
            }
        } else if (o instanceof short[] a) {
            for (int i = 0; i < n; i++) {
                out[i] = a[i];
            }
        } else if (o instanceof int[] a) {
            for (int i = 0; i < n; i++) {
                out[i] = a[i];
            }
        } else if (o instanceof long[] a) {
            for (int i = 0; i < n; i++) {
                out[i] = a[i];
            }
        } else if (o instanceof float[] a) {
            for (int i = 0; i < n; i++) {
                out[i] = a[i];
            }
        } else if (o instanceof double[] a) {
            System.arraycopy(a, 0, out, 0, n);
        } else if (o instanceof java.math.BigInteger[] a) {
            for (int i = 0; i < n; i++) {
                out[i] = a[i].doubleValue();
            }
        } else {
            throw new IOException(path + ": '" + key + "' is not numeric (found "
                    + o.getClass().getSimpleName() + ")");
        }
        return out;
    }

    @Override
    public void close() {
        file.close();
    }
}
