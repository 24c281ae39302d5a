package dev.freqmed.data.volume;

import dev.freqmed.data.nifti.NiftiReader;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.data.nifti.NiftiWriter;
import dev.freqmed.train.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * SSL-ALPNet's supervoxel pseudo-labels of a volume (spec §1.5): {@link Felzenszwalb3d} on the
 * volume rescaled to [0, 255] (scale 1, σ = 0, {@code min_size} voxels, the z/xy spacing ratio of
 * the header), then the {@link BodyMask} of the rescaled volume at threshold 10: segment 0 is
 * renamed to the largest id + 1 and every voxel outside the body becomes 0. Output: an int32
 * label volume on the input's grid and affine.
 */
public final class Supervoxels {

    /** The reference's {@code min_size} for CHAOS, Synapse and prostate volumes. */
    public static final int DEFAULT_MIN_SIZE = 5000;
    private static final double BODY_THRESHOLD = 10;

    private Supervoxels() {
    }

    /**
     * The supervoxels of a volume.
     *
     * @param volume  a 3-D volume
     * @param minSize smallest supervoxel in voxels
     * @return int32 labels on the volume's grid: 0 outside the body, 1..K inside
     * @throws IllegalArgumentException for a volume that is not 3-D
     */
    public static NiftiVolume compute(NiftiVolume volume, int minSize) {
        volume.require3d("volume");
        int nx = volume.dim(0);
        int ny = volume.dim(1);
        int nz = volume.dim(2);
        double ratio = volume.spacing()[2] / volume.spacing()[0];
        if (!(ratio > 0) || !Double.isFinite(ratio)) {
            ratio = 1;
        }
        int[] seg = Felzenszwalb3d.segment(volume.data(), nx, ny, nz, 1, minSize, ratio);
        byte[] body = BodyMask.compute(Felzenszwalb3d.rescale255(volume.data()), nx, ny, nz,
                BODY_THRESHOLD);
        int max = 0;
        for (int s : seg) {
            max = Math.max(max, s);
        }
        float[] out = new float[seg.length];
        for (int i = 0; i < seg.length; i++) {
            int s = seg[i] == 0 ? max + 1 : seg[i];
            out[i] = body[i] == 0 ? 0 : s;
        }
        return NiftiVolume.like(volume, 8, out);
    }

    /** The output name for an input volume: {@code image_<id>} becomes {@code supervoxels_<id>}. */
    public static String outputName(Path input) {
        String stem = stem(input);
        String id = stem.startsWith("image_") ? stem.substring("image_".length()) : stem;
        return "supervoxels_" + id + ".nii.gz";
    }

    /** The file name without {@code .nii} or {@code .nii.gz}. */
    public static String stem(Path p) {
        String n = p.getFileName().toString();
        if (n.endsWith(".nii.gz")) {
            return n.substring(0, n.length() - 7);
        }
        return n.endsWith(".nii") ? n.substring(0, n.length() - 4) : n;
    }

    /** The NIfTI files of a folder, sorted by name. */
    public static List<Path> volumes(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a folder of NIfTI volumes");
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> out = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".nii") || n.endsWith(".nii.gz");
            }).sorted().toList();
            if (out.isEmpty()) {
                throw new IOException(dir + ": no .nii or .nii.gz volumes");
            }
            return out;
        }
    }

    /**
     * Computes the supervoxels of every volume of a folder, several volumes at a time, and
     * writes them to {@code out} ({@link #outputName}). Each output file is written atomically;
     * the result of a volume does not depend on the thread count.
     *
     * @param in       folder of NIfTI volumes
     * @param out      output folder (created)
     * @param minSize  smallest supervoxel in voxels
     * @param threads  volumes processed at once
     * @param listener receives one message per finished volume
     * @return the files written, in input order
     * @throws IOException naming the volume that could not be read or written
     */
    public static List<Path> run(Path in, Path out, int minSize, int threads,
            ProgressListener listener) throws IOException {
        List<Path> inputs = volumes(in);
        Files.createDirectories(out);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads,
                inputs.size())));
        AtomicInteger done = new AtomicInteger();
        try {
            List<Future<Path>> futures = new ArrayList<>();
            for (Path p : inputs) {
                futures.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    NiftiVolume v;
                    try {
                        v = NiftiReader.read3d(p);
                    } catch (IllegalArgumentException e) {
                        throw new IOException(e.getMessage(), e);
                    }
                    NiftiVolume sv = compute(v, minSize);
                    Path target = out.resolve(outputName(p));
                    NiftiWriter.write(target, sv);
                    int count = insideCount(sv.data());
                    listener.message(String.format(Locale.ROOT,
                            "supervoxels %d/%d: %s -> %s (%d supervoxels, %.1f s)",
                            done.incrementAndGet(), inputs.size(), p.getFileName(),
                            target.getFileName(), count, (System.nanoTime() - t0) / 1e9));
                    return target;
                }));
            }
            List<Path> written = new ArrayList<>();
            for (Future<Path> f : futures) {
                try {
                    written.add(f.get());
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException(c.getMessage(), c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("supervoxels interrupted", e);
                }
            }
            return written;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Distinct ids above 0: segments wholly outside the body leave gaps in the numbering. */
    static int insideCount(float[] labels) {
        int max = 0;
        for (float v : labels) {
            max = Math.max(max, (int) v);
        }
        boolean[] seen = new boolean[max + 1];
        int count = 0;
        for (float v : labels) {
            int id = (int) v;
            if (id > 0 && !seen[id]) {
                seen[id] = true;
                count++;
            }
        }
        return count;
    }
}
