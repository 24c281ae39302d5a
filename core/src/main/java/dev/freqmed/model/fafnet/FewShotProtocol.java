package dev.freqmed.model.fafnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.Sample;
import dev.freqmed.tensor.HostArrays;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The SSL-ALPNet / ADNet evaluation protocol FAF-Net reports (spec §1.8; reference:
 * {@code evaluate.py}, {@code TestDataset.get_support_index}):
 * <ul>
 *   <li>the volumes of the evaluation fold; the support volume is the one at position
 *       {@code supportIndex} of the fold, the others are queries;</li>
 *   <li>per organ, the support slices are the organ-holding slices of the support volume at
 *       fractions {@code 1/(2n) + i·(1 − 1/n)/(n − 1)} of their count C (n = 3: 1/6, 1/2, 5/6),
 *       truncated ({@link #supportIndices});</li>
 *   <li>only the organ-holding slices of a query volume are segmented; they are split into n
 *       chunks at {@code linspace(0, C_q, n + 1)} truncated ({@link #chunks}), chunk k segmented
 *       slice by slice with support slice k;</li>
 *   <li>foreground where {@code P_fg > 0.5}; Dice {@code 2TP/(2TP+FP+FN)} over the stacked
 *       evaluated slices of each query volume; per organ the mean over query volumes.</li>
 * </ul>
 */
public final class FewShotProtocol {

    private FewShotProtocol() {
    }

    /**
     * The support slice positions among the C organ-holding slices (reference
     * {@code get_support_index}): n = 1 gives C/2; otherwise fractions
     * {@code 1/(2n) + i·(1 − 1/n)/(n − 1)}, each times C, truncated. C = 30, n = 3: 5, 15, 25.
     */
    public static int[] supportIndices(int n, int c) {
        int[] out = new int[n];
        if (n == 1) {
            out[0] = (int) (0.5 * c);
            return out;
        }
        double half = 1.0 / (n * 2);
        double interval = (1.0 - 1.0 / n) / (n - 1);
        for (int i = 0; i < n; i++) {
            out[i] = (int) ((half + interval * i) * c);
        }
        return out;
    }

    /**
     * Chunk boundaries {@code linspace(0, c, n + 1).astype(int)}: chunk k holds positions
     * {@code [b[k], b[k+1])}. C = 31, n = 3: 0, 10, 20, 31.
     */
    public static int[] chunks(int c, int n) {
        int[] b = new int[n + 1];
        double step = (double) c / n;
        for (int i = 0; i < n; i++) {
            b[i] = (int) (i * step);
        }
        b[n] = c;
        return b;
    }

    /**
     * The fold's support volume id and query volume ids.
     *
     * @throws IllegalArgumentException when {@code supportIndex} is outside the fold
     */
    static List<String> foldVolumes(List<String> ids, List<Integer> fold, int supportIndex) {
        if (supportIndex >= fold.size()) {
            throw new IllegalArgumentException("supportIndex " + supportIndex + " is outside the"
                    + " fold of " + fold.size() + " volumes");
        }
        List<String> out = new ArrayList<>();
        out.add(ids.get(fold.get(supportIndex)));
        for (int i = 0; i < fold.size(); i++) {
            if (i != supportIndex) {
                out.add(ids.get(fold.get(i)));
            }
        }
        return out;
    }

    /**
     * The support slices of an organ in a volume.
     *
     * @throws IllegalArgumentException when the organ is absent from the volume
     */
    static int[] supportSlices(VolumeSlices support, int organ, int n, String organName) {
        int[] slices = support.organSlices(organ);
        if (slices.length == 0) {
            throw new IllegalArgumentException("label " + organ + " (" + organName + ") is absent"
                    + " from support volume " + support.id());
        }
        int[] idx = supportIndices(n, slices.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = slices[idx[i]];
        }
        return out;
    }

    /**
     * Validation episodes: the protocol on the first query volume of the fold, every test organ,
     * at most {@code validationSlices} evenly spaced query slices per organ (0 = all).
     */
    static List<Sample> validationEpisodes(Path root, List<String> ids, List<Integer> fold,
            FafNetConfig config) throws IOException {
        List<String> vols;
        try {
            vols = foldVolumes(ids, fold, config.supportIndex());
        } catch (IllegalArgumentException e) {
            throw new IOException(root + ": " + e.getMessage(), e);
        }
        VolumeSlices support = FewShotData.load(root, vols.get(0), config.inputSize(), true, null);
        VolumeSlices query = FewShotData.load(root, vols.get(1), config.inputSize(), true, null);
        List<Sample> out = new ArrayList<>();
        int side = config.inputSize();
        for (int organ : config.testLabels()) {
            int[] sup;
            try {
                sup = supportSlices(support, organ, config.supportSlices(),
                        config.labelName(organ));
            } catch (IllegalArgumentException e) {
                throw new IOException(root + ": " + e.getMessage(), e);
            }
            int[] qs = query.organSlices(organ);
            int[] b = chunks(qs.length, config.supportSlices());
            List<int[]> pairs = new ArrayList<>();
            for (int k = 0; k < config.supportSlices(); k++) {
                for (int j = b[k]; j < b[k + 1]; j++) {
                    pairs.add(new int[] {sup[k], qs[j]});
                }
            }
            int keep = config.validationSlices() == 0 ? pairs.size()
                    : Math.min(pairs.size(), config.validationSlices());
            for (int i = 0; i < keep; i++) {
                int[] pq = pairs.get(keep == pairs.size() ? i
                        : (int) ((long) i * pairs.size() / keep));
                out.add(EpisodeSampler.pack(query.id() + "-" + config.labelName(organ) + "-z"
                        + pq[1], support.imageSlice(pq[0]),
                        VolumeSlices.mask(support.label(), side, pq[0], organ),
                        query.imageSlice(pq[1]),
                        VolumeSlices.mask(query.label(), side, pq[1], organ), side, organ));
            }
        }
        return out;
    }

    /**
     * The protocol's segmentation of a query volume's slices: they are split into one chunk per
     * support slice ({@link #chunks}), chunk k segmented with support slice k and its mask.
     *
     * @param support       the support volume with its label
     * @param supportSlices support slice indices, sorted by z
     * @param organ         the label value of the organ in the support
     * @param query         the query volume
     * @param querySlices   the query slice indices to segment, in order
     * @return P_fg per query slice of {@code querySlices} (S×S each)
     */
    static List<float[]> predictChunked(Block network, NDManager manager, int side,
            VolumeSlices support, int[] supportSlices, int organ, VolumeSlices query,
            int[] querySlices) {
        int n = supportSlices.length;
        int[] b = chunks(querySlices.length, n);
        List<float[]> si = new ArrayList<>();
        List<float[]> sm = new ArrayList<>();
        List<float[]> qi = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            for (int j = b[k]; j < b[k + 1]; j++) {
                si.add(support.imageSlice(supportSlices[k]));
                sm.add(VolumeSlices.mask(support.label(), side, supportSlices[k], organ));
                qi.add(query.imageSlice(querySlices[j]));
            }
        }
        return predict(network, manager, side, si, sm, qi, 8);
    }

    /**
     * Foreground probabilities of query slices, each with its own support slice and mask, in
     * batches through the network in inference mode.
     *
     * @param supports     support slices (S×S each)
     * @param supportMasks their masks
     * @param queries      query slices
     * @return P_fg per query (S×S each)
     */
    public static List<float[]> predict(Block network, NDManager manager, int side,
            List<float[]> supports, List<float[]> supportMasks, List<float[]> queries,
            int batch) {
        List<float[]> out = new ArrayList<>();
        ParameterStore ps = new ParameterStore(manager, false);
        int plane = side * side;
        for (int start = 0; start < queries.size(); start += batch) {
            int n = Math.min(batch, queries.size() - start);
            float[] packed = new float[n * 3 * plane];
            for (int i = 0; i < n; i++) {
                System.arraycopy(supports.get(start + i), 0, packed, (3 * i) * plane, plane);
                System.arraycopy(supportMasks.get(start + i), 0, packed, (3 * i + 1) * plane,
                        plane);
                System.arraycopy(queries.get(start + i), 0, packed, (3 * i + 2) * plane, plane);
            }
            try (NDManager sub = manager.newSubManager()) {
                NDArray x = HostArrays.of(sub, packed, new Shape(n, 3, side, side));
                NDArray p = network.forward(ps, new NDList(x), false).head()
                        .get(new NDIndex(":, 1"));
                float[] all = p.toFloatArray();
                for (int i = 0; i < n; i++) {
                    float[] one = new float[plane];
                    System.arraycopy(all, i * plane, one, 0, plane);
                    out.add(one);
                }
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new java.util.concurrent.CancellationException("prediction interrupted");
            }
        }
        return out;
    }

    /**
     * Bilinear resize with aligned corners of a side×side map to ny×nx (the reference's
     * {@code F.interpolate(..., align_corners=True)} used for the network's outputs).
     */
    static float[] resizeAligned(float[] a, int side, int ny, int nx) {
        float[] out = new float[ny * nx];
        double fy = ny > 1 ? (side - 1.0) / (ny - 1) : 0;
        double fx = nx > 1 ? (side - 1.0) / (nx - 1) : 0;
        for (int y = 0; y < ny; y++) {
            double sy = y * fy;
            int y0 = (int) Math.floor(sy);
            int y1 = Math.min(y0 + 1, side - 1);
            double wy = sy - y0;
            for (int x = 0; x < nx; x++) {
                double sx = x * fx;
                int x0 = (int) Math.floor(sx);
                int x1 = Math.min(x0 + 1, side - 1);
                double wx = sx - x0;
                out[y * nx + x] = (float) ((1 - wy) * ((1 - wx) * a[y0 * side + x0]
                        + wx * a[y0 * side + x1]) + wy * ((1 - wx) * a[y1 * side + x0]
                        + wx * a[y1 * side + x1]));
            }
        }
        return out;
    }
}
