package dev.freqmed.model.fafnet;

import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Self-supervised training episodes from supervoxel pseudo-labels (spec §1.7; reference:
 * {@code dataloaders/datasets.py TrainDataset.__getitem__}), every draw from the given
 * {@link Random}:
 * <ol>
 *   <li>a random training volume;</li>
 *   <li>in setting 2, the slices holding any test organ are removed (the protocol's rule;
 *       DEVIATION: the reference code ANDs the organ masks, removing only slices that hold all
 *       test organs at once);</li>
 *   <li>repeat: a random supervoxel class with at least 2 remaining slices; the runs of
 *       consecutive slices of length ≥ 2; a random run and a random start i (not its last
 *       slice); episode slices [i, i+1]; until the larger pseudo-label area of the two is at
 *       least {@code minEpisodeSize};</li>
 *   <li>with probability 0.5 the pair is reversed; the first slice is the support, the second
 *       the query, masks {@code 1[supervoxel == c]};</li>
 *   <li>with {@code augment}: gamma on the query with probability 0.5, else on the support; the
 *       geometric transform likewise ({@link EpisodeAugment}).</li>
 * </ol>
 * A sample holds {@code image} (3, S, S) = support, support mask, query, and {@code mask}
 * (1, S, S) = the query mask.
 */
public final class EpisodeSampler {

    /** Tries per volume before another volume is drawn. */
    private static final int TRIES = 200;

    private final List<VolumeSlices> volumes;
    private final List<Map<Integer, int[]>> classSlices = new ArrayList<>();
    private final List<boolean[]> excluded = new ArrayList<>();
    private final int minSize;
    private final boolean augment;

    /**
     * @param volumes     training volumes with supervoxels (and labels in setting 2)
     * @param testLabels  organ ids whose slices setting 2 removes
     * @param setting     1 or 2
     * @param minSize     least pseudo-label pixels in the larger slice of the pair
     * @param augment     apply the reference's augmentation
     * @throws IllegalArgumentException when no volume has a class on two neighbouring slices
     */
    public EpisodeSampler(List<VolumeSlices> volumes, List<Integer> testLabels, int setting,
            int minSize, boolean augment) {
        if (volumes.isEmpty()) {
            throw new IllegalArgumentException("episode sampling needs at least one training"
                    + " volume");
        }
        this.volumes = List.copyOf(volumes);
        this.minSize = minSize;
        this.augment = augment;
        for (VolumeSlices v : volumes) {
            if (v.supervoxels() == null) {
                throw new IllegalArgumentException("volume " + v.id() + " has no supervoxels");
            }
            boolean[] ex = new boolean[v.depth()];
            if (setting == 2) {
                if (v.label() == null) {
                    throw new IllegalArgumentException("setting 2 needs the labels of volume "
                            + v.id());
                }
                for (int t : testLabels) {
                    for (int z : v.organSlices(t)) {
                        ex[z] = true;
                    }
                }
            }
            excluded.add(ex);
            int plane = v.side() * v.side();
            Map<Integer, java.util.TreeSet<Integer>> m = new TreeMap<>();
            int[] sv = v.supervoxels();
            for (int z = 0; z < v.depth(); z++) {
                if (ex[z]) {
                    continue;
                }
                for (int i = 0; i < plane; i++) {
                    int c = sv[z * plane + i];
                    if (c != 0) {
                        m.computeIfAbsent(c, k -> new java.util.TreeSet<>()).add(z);
                    }
                }
            }
            Map<Integer, int[]> slices = new HashMap<>();
            for (Map.Entry<Integer, java.util.TreeSet<Integer>> e : m.entrySet()) {
                if (e.getValue().size() >= 2) {
                    slices.put(e.getKey(), e.getValue().stream().mapToInt(Integer::intValue)
                            .toArray());
                }
            }
            classSlices.add(slices);
        }
        if (classSlices.stream().allMatch(Map::isEmpty)) {
            throw new IllegalArgumentException("no supervoxel spans two slices in any training"
                    + " volume" + (setting == 2 ? " after removing the test organs' slices" : ""));
        }
    }

    /**
     * Draws one episode.
     *
     * @param rng  the only source of randomness
     * @param name the sample id
     * @return the episode
     * @throws IllegalStateException when no episode reaches the minimum size
     */
    public Sample sample(Random rng, String name) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int vi = rng.nextInt(volumes.size());
            VolumeSlices v = volumes.get(vi);
            Map<Integer, int[]> classes = classSlices.get(vi);
            if (classes.isEmpty()) {
                continue;
            }
            List<Integer> ids = new ArrayList<>(new java.util.TreeSet<>(classes.keySet()));
            for (int t = 0; t < TRIES; t++) {
                int c = ids.get(rng.nextInt(ids.size()));
                List<int[]> runs = runs(classes.get(c));
                if (runs.isEmpty()) {
                    continue;
                }
                int[] run = runs.get(rng.nextInt(runs.size()));
                int i = run[rng.nextInt(run.length - 1)];
                int size = Math.max(VolumeSlices.count(v.supervoxels(), v.side(), i, c),
                        VolumeSlices.count(v.supervoxels(), v.side(), i + 1, c));
                if (size < minSize) {
                    continue;
                }
                int s = i;
                int q = i + 1;
                if (rng.nextDouble() > 0.5) {
                    s = i + 1;
                    q = i;
                }
                return episode(v, s, q, c, rng, name);
            }
        }
        throw new IllegalStateException("no supervoxel episode with at least " + minSize
                + " pixels was found; lower minEpisodeSize or recompute the supervoxels");
    }

    /** Runs of consecutive slices of length ≥ 2, each as its slice indices. */
    static List<int[]> runs(int[] slices) {
        List<int[]> out = new ArrayList<>();
        int start = 0;
        for (int k = 1; k <= slices.length; k++) {
            if (k == slices.length || slices[k] != slices[k - 1] + 1) {
                if (k - start >= 2) {
                    out.add(java.util.Arrays.copyOfRange(slices, start, k));
                }
                start = k;
            }
        }
        return out;
    }

    private Sample episode(VolumeSlices v, int s, int q, int c, Random rng, String name) {
        int side = v.side();
        float[] si = v.imageSlice(s);
        float[] sm = VolumeSlices.mask(v.supervoxels(), side, s, c);
        float[] qi = v.imageSlice(q);
        float[] qm = VolumeSlices.mask(v.supervoxels(), side, q, c);
        if (augment) {
            if (rng.nextDouble() < 0.5) {
                EpisodeAugment.gamma(qi, rng);
            } else {
                EpisodeAugment.gamma(si, rng);
            }
            if (rng.nextDouble() < 0.5) {
                EpisodeAugment.geometry(qi, qm, side, rng);
            } else {
                EpisodeAugment.geometry(si, sm, side, rng);
            }
        }
        return pack(name, si, sm, qi, qm, side, 0);
    }

    /**
     * An episode sample: {@code image} (3, S, S) = support, support mask, query; {@code mask}
     * (1, S, S) = query mask; {@code organ} (1, 1, 1) = the organ id (0 for pseudo-labels).
     */
    static Sample pack(String name, float[] support, float[] supportMask, float[] query,
            float[] queryMask, int side, int organ) {
        int plane = side * side;
        float[] img = new float[3 * plane];
        System.arraycopy(support, 0, img, 0, plane);
        System.arraycopy(supportMask, 0, img, plane, plane);
        System.arraycopy(query, 0, img, 2 * plane, plane);
        Map<String, FloatImage> arrays = new java.util.LinkedHashMap<>();
        arrays.put(Sample.IMAGE, new FloatImage(3, side, side, img));
        arrays.put(Sample.MASK, new FloatImage(1, side, side, queryMask.clone()));
        arrays.put("organ", new FloatImage(1, 1, 1, new float[] {organ}));
        return new Sample(name, arrays);
    }
}
