package dev.freqmed.model.fafnet;

import dev.freqmed.data.nifti.NiftiReader;
import dev.freqmed.data.nifti.NiftiVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The few-shot data layout and cross-validation folds (spec §1.6): {@code images/image_<id>.nii.gz},
 * {@code labels/label_<id>.nii.gz} and {@code <supervoxels>/supervoxels_<id>.nii.gz} under one
 * root ({@code .nii} also accepted), volumes ordered by numeric id as the reference sorts them.
 */
public final class FewShotData {

    private FewShotData() {
    }

    /**
     * The volume ids of a data root, sorted by numeric value (ids that are not numbers after
     * the numeric ones, by name).
     *
     * @throws IOException naming the folder when it has no {@code images/image_*.nii[.gz]}
     */
    public static List<String> ids(Path root) throws IOException {
        Path dir = root.resolve("images");
        if (!Files.isDirectory(dir)) {
            throw new IOException(root + ": expected a folder 'images' with image_<id>.nii.gz"
                    + " volumes (and 'labels' with label_<id>.nii.gz)");
        }
        List<String> ids = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith("image_") && (n.endsWith(".nii.gz") || n.endsWith(".nii"))) {
                    ids.add(n.substring(6, n.length() - (n.endsWith(".gz") ? 7 : 4)));
                }
            }
        }
        if (ids.isEmpty()) {
            throw new IOException(dir + ": no image_<id>.nii or image_<id>.nii.gz volumes");
        }
        ids.sort(Comparator.comparing((String x) -> !x.matches("\\d+"))
                .thenComparing(x -> x.matches("\\d+") ? Long.parseLong(x) : 0L)
                .thenComparing(x -> x));
        return ids;
    }

    /**
     * The positions (into the id-sorted volumes) of evaluation fold {@code fold} of {@code n}
     * volumes, in ascending order. The reference's tables ({@code get_folds}) follow one rule,
     * kept here for any n ≥ 5: with {@code k = n / 5}, fold f < 4 holds positions
     * {@code f·k .. f·k + k} (k + 1 volumes, so neighbouring folds share one), fold 4 holds
     * {@code 4k .. n − 1} and position 0. CHAOS (20): {0..4}, {4..8}, {8..12}, {12..16},
     * {16..19, 0}.
     *
     * @throws IllegalArgumentException for fewer than 5 volumes or a fold outside 0..4
     */
    public static List<Integer> fold(int n, int fold) {
        if (n < 5) {
            throw new IllegalArgumentException("5-fold cross-validation needs at least 5 volumes,"
                    + " found " + n);
        }
        if (fold < 0 || fold > 4) {
            throw new IllegalArgumentException("fold must be 0..4, found " + fold);
        }
        int k = n / 5;
        TreeSet<Integer> out = new TreeSet<>();
        if (fold < 4) {
            for (int i = fold * k; i <= fold * k + k && i < n; i++) {
                out.add(i);
            }
        } else {
            for (int i = 4 * k; i < n; i++) {
                out.add(i);
            }
            out.add(0);
        }
        return List.copyOf(out);
    }

    /** The image file of a volume id. */
    public static Path image(Path root, String id) throws IOException {
        return existing(root.resolve("images"), "image_" + id);
    }

    /** The label file of a volume id. */
    public static Path label(Path root, String id) throws IOException {
        return existing(root.resolve("labels"), "label_" + id);
    }

    /** The supervoxel file of a volume id. */
    public static Path supervoxels(Path root, String folder, String id) throws IOException {
        Path dir = root.resolve(folder);
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": no supervoxel folder; compute it with 'freqmed fewshot"
                    + " supervoxels --volumes " + root.resolve("images") + " --out " + dir + "'");
        }
        return existing(dir, "supervoxels_" + id);
    }

    private static Path existing(Path dir, String stem) throws IOException {
        for (String ext : new String[] {".nii.gz", ".nii"}) {
            Path p = dir.resolve(stem + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IOException(dir.resolve(stem + ".nii.gz") + ": missing");
    }

    /**
     * Loads a volume as slices.
     *
     * @param withSupervoxels also read {@code <folder>/supervoxels_<id>}
     * @throws IOException naming the file that is missing, unreadable or not 3-D
     */
    public static VolumeSlices load(Path root, String id, int side, boolean withLabel,
            String supervoxelFolder) throws IOException {
        NiftiVolume img = read(image(root, id));
        NiftiVolume lbl = withLabel ? read(label(root, id)) : null;
        NiftiVolume sv = supervoxelFolder == null ? null
                : read(supervoxels(root, supervoxelFolder, id));
        try {
            return VolumeSlices.of(id, img, lbl, sv, side);
        } catch (IllegalArgumentException e) {
            throw new IOException(root + ": " + e.getMessage(), e);
        }
    }

    static NiftiVolume read(Path p) throws IOException {
        try {
            return NiftiReader.read3d(p);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
