package dev.freqmed.metric;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * What an {@link EvaluationFamily} is asked to score: a folder of predictions, a folder of ground
 * truth, and the settings the caller gave explicitly. A family reads only the settings it declares
 * ({@link EvaluationFamily#settings()}); a setting given to a family that does not read it is an
 * error, so nothing is silently ignored. Settings not given take the stated defaults.
 *
 * <p>Build with {@link #builder()}: {@code setPredictions}/{@code setTruth} are required, every
 * {@code optX} is optional and a {@code null} argument leaves the setting unset.
 */
public final class EvaluationRequest {

    /** Default binary threshold on scaled prediction values (FRCU-Net: bytes ≥ 128). */
    public static final double DEFAULT_THRESHOLD = BinarySegmentationMetrics.DEFAULT_THRESHOLD;
    /** Default nuclei pairing radius in pixels (HoVer-Net). */
    public static final double DEFAULT_RADIUS = NucleusTypeMetrics.DEFAULT_RADIUS;
    /** Default number of KID subsets (clean-fid). */
    public static final int DEFAULT_KID_SUBSETS = 100;
    /** Default largest KID subset size (clean-fid). */
    public static final int DEFAULT_KID_SUBSET_SIZE = 1000;

    /** The settings a request can carry; each family declares the ones it reads. */
    public enum Setting {
        /** Binary: threshold on scaled prediction values, in [0, 1). */
        THRESHOLD("threshold"),
        /** Binary: {@link BinaryProtocol}. */
        PROTOCOL("protocol"),
        /** Binary, reference protocol: the network's square input side. */
        SIZE("size"),
        /** Nuclei-type: pairing radius in pixels. */
        RADIUS("radius"),
        /** Instance: a second PQ match threshold below 0.5. */
        PQ_EXTRA_IOU("pq-extra-iou"),
        /** Few-shot: the class id scored (default: any non-zero label). */
        LABEL("label"),
        /** KID: number of subsets. */
        KID_SUBSETS("kid-subsets"),
        /** KID: largest subset size. */
        KID_SUBSET_SIZE("kid-subset-size"),
        /** KID: seed of numpy's legacy generator for the subsets. */
        SEED("seed"),
        /** FID/KID on image folders: an Inception-V3 weight file (torchvision/pt_inception). */
        INCEPTION("inception"),
        /** FID/KID on image folders: a FreqMed checkpoint folder used as feature extractor. */
        FEATURES("features"),
        /** FID/KID: write the ground truth's feature statistics to this file. */
        SAVE_STATS("save-stats"),
        /** The caller wants per-image rows. */
        PER_IMAGE("per-image"),
        /** The caller wants curves. */
        CURVES("curves");

        private final String key;

        Setting(String key) {
            this.key = key;
        }

        /** The setting's name as the command line spells it (without dashes). */
        public String key() {
            return key;
        }
    }

    private final Path predictions;
    private final Path truth;
    private final Map<Setting, Object> given;
    private final java.util.function.BiConsumer<Integer, Integer> progress;

    private EvaluationRequest(Builder b) {
        this.predictions = b.predictions;
        this.truth = b.truth;
        this.progress = b.progress;
        this.given = Collections.unmodifiableMap(new EnumMap<>(b.given));
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The folder (or file) of predictions. */
    public Path predictions() {
        return predictions;
    }

    /** The folder (or file) of ground truth. */
    public Path truth() {
        return truth;
    }

    /** The settings given explicitly. */
    public Set<Setting> given() {
        return given.isEmpty() ? EnumSet.noneOf(Setting.class) : EnumSet.copyOf(given.keySet());
    }

    /** Whether {@code s} was given explicitly. */
    public boolean has(Setting s) {
        return given.containsKey(s);
    }

    private <T> T get(Setting s, Class<T> type, T fallback) {
        Object v = given.get(s);
        return v == null ? fallback : type.cast(v);
    }

    /** Binary threshold on scaled prediction values (default 0.5). */
    public double threshold() {
        return get(Setting.THRESHOLD, Double.class, DEFAULT_THRESHOLD);
    }

    /** Binary protocol (default {@link BinaryProtocol#NATIVE}). */
    public BinaryProtocol protocol() {
        return get(Setting.PROTOCOL, BinaryProtocol.class, BinaryProtocol.NATIVE);
    }

    /** The network's square input side for the reference protocol; 0 when not given. */
    public int size() {
        return get(Setting.SIZE, Integer.class, 0);
    }

    /** Nuclei pairing radius in pixels (default 12). */
    public double radius() {
        return get(Setting.RADIUS, Double.class, DEFAULT_RADIUS);
    }

    /** The extra PQ match threshold; NaN when not given. */
    public double pqExtraIou() {
        return get(Setting.PQ_EXTRA_IOU, Double.class, Double.NaN);
    }

    /** The few-shot class id; {@code null} means any non-zero label. */
    public Integer label() {
        return get(Setting.LABEL, Integer.class, null);
    }

    /** KID subsets (default 100). */
    public int kidSubsets() {
        return get(Setting.KID_SUBSETS, Integer.class, DEFAULT_KID_SUBSETS);
    }

    /** KID largest subset size (default 1000). */
    public int kidSubsetSize() {
        return get(Setting.KID_SUBSET_SIZE, Integer.class, DEFAULT_KID_SUBSET_SIZE);
    }

    /** KID seed (default 0). */
    public long seed() {
        return get(Setting.SEED, Long.class, 0L);
    }

    /** The Inception-V3 weight file for image folders; null when not given. */
    public Path inception() {
        return get(Setting.INCEPTION, Path.class, null);
    }

    /** The FreqMed checkpoint used as feature extractor; null when not given. */
    public Path features() {
        return get(Setting.FEATURES, Path.class, null);
    }

    /** Where to save the ground truth's feature statistics; null when not given. */
    public Path saveStats() {
        return get(Setting.SAVE_STATS, Path.class, null);
    }

    /** Progress of long work: (done, total) items; never null. */
    public java.util.function.BiConsumer<Integer, Integer> progress() {
        return progress == null ? (d, t) -> { } : progress;
    }

    /**
     * Checks that every given setting is one {@code family} reads.
     *
     * @throws IllegalArgumentException naming the first setting that does not apply and the ones
     *                                  the family reads
     */
    public void checkApplies(EvaluationFamily family) {
        for (Setting s : given.keySet()) {
            if (!family.settings().contains(s)) {
                StringBuilder valid = new StringBuilder();
                for (Setting r : family.settings()) {
                    valid.append(valid.length() == 0 ? "" : ", ").append(r.key());
                }
                throw new IllegalArgumentException("'" + s.key() + "' does not apply to the "
                        + family.name() + " family; it reads: "
                        + (valid.length() == 0 ? "no settings" : valid));
            }
        }
    }

    /** Builds an {@link EvaluationRequest}; {@code null} arguments leave a setting unset. */
    public static final class Builder {
        private Path predictions;
        private Path truth;
        private final Map<Setting, Object> given = new EnumMap<>(Setting.class);
        private java.util.function.BiConsumer<Integer, Integer> progress;

        private Builder() {
        }

        private Builder opt(Setting s, Object v) {
            if (v == null) {
                given.remove(s);
            } else {
                given.put(s, v);
            }
            return this;
        }

        /** Required: the folder of predictions (feature CSVs for fid/kid). */
        public Builder setPredictions(Path p) {
            this.predictions = p;
            return this;
        }

        /** Required: the folder of ground truth (reference feature CSVs for fid/kid). */
        public Builder setTruth(Path p) {
            this.truth = p;
            return this;
        }

        /** Binary threshold in [0, 1) (default 0.5). */
        public Builder optThreshold(Double t) {
            return opt(Setting.THRESHOLD, t);
        }

        /** Binary protocol (default native). */
        public Builder optProtocol(BinaryProtocol p) {
            return opt(Setting.PROTOCOL, p);
        }

        /** Square input side for the reference protocol (default: the predictions' size). */
        public Builder optSize(Integer side) {
            return opt(Setting.SIZE, side);
        }

        /** Nuclei pairing radius in pixels (default 12). */
        public Builder optRadius(Double r) {
            return opt(Setting.RADIUS, r);
        }

        /** Extra PQ match threshold below 0.5 (default: none). */
        public Builder optPqExtraIou(Double iou) {
            return opt(Setting.PQ_EXTRA_IOU, iou);
        }

        /** Few-shot class id (default: any non-zero). */
        public Builder optLabel(Integer label) {
            return opt(Setting.LABEL, label);
        }

        /** KID subsets (default 100). */
        public Builder optKidSubsets(Integer n) {
            return opt(Setting.KID_SUBSETS, n);
        }

        /** KID largest subset size (default 1000). */
        public Builder optKidSubsetSize(Integer n) {
            return opt(Setting.KID_SUBSET_SIZE, n);
        }

        /** KID seed (default 0). */
        public Builder optSeed(Long seed) {
            return opt(Setting.SEED, seed);
        }

        /** FID/KID: Inception-V3 weights for image folders (default: none). */
        public Builder optInception(Path file) {
            return opt(Setting.INCEPTION, file);
        }

        /** FID/KID: a FreqMed checkpoint as feature extractor for image folders. */
        public Builder optFeatures(Path dir) {
            return opt(Setting.FEATURES, dir);
        }

        /** FID/KID: save the ground truth's feature statistics to this file. */
        public Builder optSaveStats(Path file) {
            return opt(Setting.SAVE_STATS, file);
        }

        /** A callback for long work, called with (done, total) items (default: none). */
        public Builder optProgress(java.util.function.BiConsumer<Integer, Integer> callback) {
            this.progress = callback;
            return this;
        }

        /** Whether per-image rows are wanted (default false). */
        public Builder optPerImage(boolean wanted) {
            return opt(Setting.PER_IMAGE, wanted ? Boolean.TRUE : null);
        }

        /** Whether curves are wanted (default false). */
        public Builder optCurves(boolean wanted) {
            return opt(Setting.CURVES, wanted ? Boolean.TRUE : null);
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the missing or invalid field
         */
        public EvaluationRequest build() {
            if (predictions == null) {
                throw new IllegalArgumentException("predictions: a folder is required");
            }
            if (truth == null) {
                throw new IllegalArgumentException("truth: a folder is required");
            }
            if (given.containsKey(Setting.INCEPTION) && given.containsKey(Setting.FEATURES)) {
                throw new IllegalArgumentException("give either an Inception file or a FreqMed"
                        + " feature model, not both");
            }
            Integer side = (Integer) given.get(Setting.SIZE);
            if (side != null && side <= 0) {
                throw new IllegalArgumentException("size must be positive, found " + side);
            }
            return new EvaluationRequest(this);
        }
    }
}
