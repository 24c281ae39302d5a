package dev.freqmed.model.fafnet;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.freqmed.config.Configs;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PredictionOutput;
import dev.freqmed.infer.VolumeWriter;
import dev.freqmed.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code freqmed fewshot predict}: segments an organ in a new volume from annotated slices of a
 * support volume, with a trained FAF-Net.
 *
 * <p>Support slices: those given, or the organ-holding slices of the support mask at the
 * protocol's fractions ({@link FewShotProtocol#supportIndices}). The query slices segmented are
 * those of a given range (the organ's extent, as the user sees it), or all of them; they are
 * split into as many equal chunks as there are support slices ({@link FewShotProtocol#chunks}),
 * chunk k using support slice k (sorted by z), and slices outside the range are background.
 * With the range equal to the organ's extent this is the reference protocol, which segments
 * only the query slices that hold the organ (it knows them from the labels). DEVIATION: without
 * a range every slice is segmented, and the network, which assumes the organ is present in the
 * slice it is given, marks foreground in slices beyond the organ too.
 *
 * <p>The foreground ({@code P_fg > 0.5} after upsampling to the query's in-plane size) is
 * written by {@link VolumeWriter} as a uint8 NIfTI label volume with the query's dimensions,
 * spacing and affine ({@code prediction.nii.gz}) and an overlay montage
 * ({@code prediction_overlay.png}, up to 8 query slices holding foreground), with
 * {@code summary.json} (voxels, volume in ml, slices used). Nothing is written until everything
 * is computed.
 */
public final class FewShotPrediction {

    private FewShotPrediction() {
    }

    /**
     * Checks that support and query share orientation and voxel size.
     *
     * @throws IllegalArgumentException naming both files and the difference
     */
    static void checkSameGeometry(NiftiVolume support, String supportName, NiftiVolume query,
            String queryName) {
        for (int i = 0; i < 3; i++) {
            float a = support.spacing()[i];
            float b = query.spacing()[i];
            if (Math.abs(a - b) > 0.01 * Math.max(Math.abs(a), Math.abs(b))) {
                throw new IllegalArgumentException(supportName + " and " + queryName + " have"
                        + " different voxel sizes (" + a + " vs " + b + " along axis " + i
                        + "); resample one onto the other's spacing first");
            }
        }
        double[][] sa = support.affine();
        double[][] qa = query.affine();
        for (int c = 0; c < 3; c++) {
            double ns = 0;
            double nq = 0;
            double dot = 0;
            for (int r = 0; r < 3; r++) {
                ns += sa[r][c] * sa[r][c];
                nq += qa[r][c] * qa[r][c];
                dot += sa[r][c] * qa[r][c];
            }
            if (ns > 0 && nq > 0 && dot / Math.sqrt(ns * nq) < 0.9) {
                throw new IllegalArgumentException(supportName + " and " + queryName + " have"
                        + " different orientations (voxel axis " + c + " points elsewhere);"
                        + " reorient one to match the other first");
            }
        }
    }

    /**
     * Runs the prediction and writes the outputs.
     *
     * @param network       the trained network
     * @param manager       its manager
     * @param config        its configuration
     * @param supportImage  the support volume
     * @param supportMask   its label or mask volume
     * @param label         the mask value of the organ (null: any non-zero voxel)
     * @param slices        support slice indices (empty: the protocol's fractions)
     * @param query         the query volume
     * @param queryRange    first and last query slice to segment (0-based, inclusive), or null
     *                      for every slice
     * @param names         the three file names, for messages
     * @param out           output folder
     * @return the summary written to summary.json
     * @throws IllegalArgumentException for grids that differ, an empty mask, an absent label, a
     *                                  slice outside the volume or without foreground, or a query
     *                                  range outside the query
     */
    public static Map<String, Object> run(Block network, NDManager manager, FafNetConfig config,
            NiftiVolume supportImage, NiftiVolume supportMask, Integer label, List<Integer> slices,
            NiftiVolume query, int[] queryRange, String[] names, Path out) throws IOException {
        if (supportMask.dim(0) != supportImage.dim(0) || supportMask.dim(1) != supportImage.dim(1)
                || supportMask.dim(2) != supportImage.dim(2)) {
            throw new IllegalArgumentException(names[1] + ": mask grid " + supportMask.dim(0) + "x"
                    + supportMask.dim(1) + "x" + supportMask.dim(2) + " differs from the support"
                    + " image " + names[0]);
        }
        checkSameGeometry(supportImage, names[0], query, names[2]);
        int nz = query.dim(2);
        int first = 0;
        int last = nz - 1;
        if (queryRange != null) {
            first = queryRange[0];
            last = queryRange[1];
            if (first < 0 || last >= nz || first > last) {
                throw new IllegalArgumentException(names[2] + ": query slices " + first + "-" + last
                        + " are not a range within 0-" + (nz - 1));
            }
        }
        float[] md = supportMask.data().clone();
        boolean any = false;
        boolean hasLabel = false;
        for (int i = 0; i < md.length; i++) {
            boolean fg = label == null ? md[i] != 0 : md[i] == label;
            hasLabel |= label != null && md[i] == label;
            any |= md[i] != 0;
            md[i] = fg ? 1 : 0;
        }
        if (!any) {
            throw new IllegalArgumentException(names[1] + ": the support mask is empty");
        }
        if (label != null && !hasLabel) {
            throw new IllegalArgumentException(names[1] + ": label " + label + " does not occur"
                    + " in the support mask");
        }
        int side = config.inputSize();
        NiftiVolume binMask = NiftiVolume.like(supportMask, 2, md);
        VolumeSlices sup = VolumeSlices.of("support", supportImage, binMask, null, side);
        VolumeSlices q = VolumeSlices.of("query", query, null, null, side);
        int[] organ = sup.organSlices(1);
        int[] chosen;
        if (slices.isEmpty()) {
            int[] idx = FewShotProtocol.supportIndices(Math.min(config.supportSlices(),
                    organ.length), organ.length);
            chosen = new int[idx.length];
            for (int i = 0; i < idx.length; i++) {
                chosen[i] = organ[idx[i]];
            }
        } else {
            chosen = slices.stream().mapToInt(Integer::intValue).sorted().toArray();
            for (int z : chosen) {
                if (z < 0 || z >= sup.depth()) {
                    throw new IllegalArgumentException(names[0] + ": slice " + z + " is outside"
                            + " 0.." + (sup.depth() - 1));
                }
                if (java.util.Arrays.binarySearch(organ, z) < 0) {
                    throw new IllegalArgumentException(names[1] + ": slice " + z + " holds no"
                            + " foreground");
                }
            }
        }
        int nx = query.dim(0);
        int ny = query.dim(1);
        List<float[]> probs = FewShotProtocol.predictChunked(network, manager, side, sup, chosen,
                1, q, java.util.stream.IntStream.rangeClosed(first, last).toArray());
        int plane = nx * ny;
        float[] labels = new float[nz * plane];
        long voxels = 0;
        List<Integer> fgSlices = new ArrayList<>();
        for (int z = first; z <= last; z++) {
            float[] up = FewShotProtocol.resizeAligned(probs.get(z - first), side, ny, nx);
            int count = 0;
            for (int i = 0; i < plane; i++) {
                if (up[i] > 0.5f) {
                    labels[z * plane + i] = 1;
                    count++;
                }
            }
            voxels += count;
            if (count > 0) {
                fgSlices.add(z);
            }
        }
        double voxelMl = Math.abs(query.spacing()[0] * query.spacing()[1] * query.spacing()[2])
                / 1000.0;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("support_slices", chosen);
        summary.put("query_slices", nz);
        summary.put("query_range", new int[] {first, last});
        summary.put("foreground_voxels", voxels);
        summary.put("foreground_ml", voxels * voxelMl);
        summary.put("slices_with_foreground", fgSlices.size());
        Prediction prediction = new Prediction(Map.of(PredictionOutput.VOLUME,
                new FloatImage(nz, ny, nx, labels)), summary);
        String json = Configs.json().writerWithDefaultPrettyPrinter().writeValueAsString(summary);
        Files.createDirectories(out);
        new VolumeWriter(query).write(out, "prediction", null, prediction);
        AtomicFiles.writeString(out.resolve("summary.json"), json);
        return summary;
    }
}
