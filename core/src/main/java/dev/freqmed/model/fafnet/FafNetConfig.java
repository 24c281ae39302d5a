package dev.freqmed.model.fafnet;

import java.util.List;

/**
 * FAF-Net configuration: the network (spec §2–3), the data protocol (folds, setting, test organs;
 * spec §1.6–1.8) and the episode sampler (spec §1.7). The optimiser and schedule live in the
 * training config.
 *
 * @param backbone             {@code RESNET101}: torchvision ResNet-101 with dilation
 *                             [True, True, False] and torchvision keys (the paper); {@code SMALL}:
 *                             four conv-BN-ReLU blocks of {@code smallWidths}, strides 2, 2, 1, 1
 *                             (dilation 1, 1, 2, 2), for CPU training from scratch
 * @param smallWidths          the four widths of the small backbone
 * @param featureChannels      width C of the features and prototypes ({@code reduce1}; 512)
 * @param heads                attention heads m of the commonality miner (4)
 * @param inputSize            slice side the network works at (257 in the paper)
 * @param strictReferenceShape require the reference's fixed 65×65 Fourier filter (257 input)
 * @param labels               organ names by label id 1.. ({@code liver, rk, lk, spleen})
 * @param testLabels           the organ ids evaluated (CHAOS: 1, 2, 3, 4)
 * @param fold                 evaluation fold 0..4 (training uses every volume outside it)
 * @param setting              1: train on all slices; 2: drop every training slice holding a
 *                             test organ
 * @param supportIndex         position of the support volume in the fold (the reference's
 *                             {@code supp_idx}, 2)
 * @param supportSlices        support slices per organ ({@code n_part}, 3)
 * @param episodesPerEpoch     episodes per training epoch ({@code max_iters_per_load})
 * @param minEpisodeSize       least pseudo-label pixels in the larger of the two slices (200
 *                             at 257²; scale with the area)
 * @param augment              the reference's gamma and geometric augmentation of one side
 * @param supervoxels          folder of the supervoxel volumes under the data root
 * @param validationSlices     query slices per organ in the per-epoch validation (0 = all)
 * @param bgWeight             weight of background pixels in the query loss (0.1)
 */
public record FafNetConfig(
        Backbone backbone,
        List<Integer> smallWidths,
        int featureChannels,
        int heads,
        int inputSize,
        boolean strictReferenceShape,
        List<String> labels,
        List<Integer> testLabels,
        int fold,
        int setting,
        int supportIndex,
        int supportSlices,
        int episodesPerEpoch,
        int minEpisodeSize,
        boolean augment,
        String supervoxels,
        int validationSlices,
        double bgWeight) {

    /** The encoder family. */
    public enum Backbone {
        /** torchvision ResNet-101, dilation [True, True, False], output stride 4 at layer3. */
        RESNET101,
        /** four conv-BN-ReLU blocks, output stride 4. */
        SMALL
    }

    /** Validates every field, naming the offending one. */
    public FafNetConfig {
        smallWidths = List.copyOf(smallWidths);
        labels = List.copyOf(labels);
        testLabels = List.copyOf(testLabels);
        if (backbone == null) {
            throw new IllegalArgumentException("backbone must be RESNET101 or SMALL");
        }
        if (smallWidths.size() != 4 || smallWidths.stream().anyMatch(w -> w < 1)) {
            throw new IllegalArgumentException("smallWidths must be 4 positive widths, found "
                    + smallWidths);
        }
        if (featureChannels < 1 || heads < 1) {
            throw new IllegalArgumentException("featureChannels and heads must be positive, found "
                    + featureChannels + " and " + heads);
        }
        if (inputSize < 9) {
            throw new IllegalArgumentException("inputSize must be at least 9, found " + inputSize);
        }
        if (strictReferenceShape && featureSide(inputSize) != 65) {
            throw new IllegalArgumentException("strictReferenceShape needs inputSize 257 (65x65"
                    + " features), found inputSize " + inputSize);
        }
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("labels must name at least one organ");
        }
        for (int t : testLabels) {
            if (t < 1 || t > labels.size()) {
                throw new IllegalArgumentException("testLabels must be label ids 1.."
                        + labels.size() + " (" + labels + "), found " + t);
            }
        }
        if (fold < 0 || fold > 4) {
            throw new IllegalArgumentException("fold must be 0..4, found " + fold);
        }
        if (setting != 1 && setting != 2) {
            throw new IllegalArgumentException("setting must be 1 or 2, found " + setting);
        }
        if (supportIndex < 0 || supportSlices < 1) {
            throw new IllegalArgumentException("supportIndex must be >= 0 and supportSlices >= 1,"
                    + " found " + supportIndex + " and " + supportSlices);
        }
        if (episodesPerEpoch < 1 || minEpisodeSize < 1) {
            throw new IllegalArgumentException("episodesPerEpoch and minEpisodeSize must be >= 1,"
                    + " found " + episodesPerEpoch + " and " + minEpisodeSize);
        }
        if (supervoxels == null || supervoxels.isBlank()) {
            throw new IllegalArgumentException("supervoxels (a folder under the data root) is"
                    + " required");
        }
        if (validationSlices < 0 || !(bgWeight > 0)) {
            throw new IllegalArgumentException("validationSlices must be >= 0 and bgWeight > 0,"
                    + " found " + validationSlices + " and " + bgWeight);
        }
    }

    /** Side of the feature map for an input side: two stride-2 stages (spec §2: 257 → 65). */
    public static int featureSide(int inputSize) {
        int h = (inputSize - 1) / 2 + 1;
        return (h - 1) / 2 + 1;
    }

    /** Side of this config's feature map. */
    public int featureSide() {
        return featureSide(inputSize);
    }

    /** The organ name of a label id (1-based). */
    public String labelName(int id) {
        return labels.get(id - 1);
    }

    private static final List<String> CHAOS = List.of("liver", "rk", "lk", "spleen");

    /**
     * The paper network: ResNet-101 (torchvision keys, {@code model.init} from a DeepLabV3 or
     * torchvision file), C = 512, 4 heads, 257², the reference's 65×65 filter; CHAOS-T2
     * protocol, setting 1, fold 0, 3000 episodes per epoch, min size 200.
     */
    public static FafNetConfig paper() {
        return new FafNetConfig(Backbone.RESNET101, List.of(32, 64, 128, 256), 512, 4, 257, true,
                CHAOS, List.of(1, 2, 3, 4), 0, 1, 2, 3, 3000, 200, true, "supervoxels", 0, 0.1);
    }

    /**
     * A CPU network trainable from scratch (spec §9): small backbone 32/64/128/256, C = 128,
     * 4 heads, 129² slices (33×33 features), min size 50 (200 scaled by the area).
     */
    public static FafNetConfig cpu() {
        return new FafNetConfig(Backbone.SMALL, List.of(32, 64, 128, 256), 128, 4, 129, false,
                CHAOS, List.of(1, 2, 3, 4), 0, 1, 2, 3, 200, 50, true, "supervoxels", 8, 0.1);
    }

    /** A tiny network for tests: widths 8/16/16/32, C = 16, 2 heads, 33² slices. */
    public static FafNetConfig tiny() {
        return new FafNetConfig(Backbone.SMALL, List.of(8, 16, 16, 32), 16, 2, 33, false,
                CHAOS, List.of(1, 2, 3, 4), 0, 1, 2, 3, 8, 4, false, "supervoxels", 2, 0.1);
    }
}
