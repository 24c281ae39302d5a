package dev.freqmed.model.fafnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.data.transform.Resample;
import dev.freqmed.data.transform.Transform;
import dev.freqmed.infer.BinaryMaskWriter;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PredictionWriter;
import dev.freqmed.infer.PreparedImage;
import dev.freqmed.model.BinarySegmentationTask;
import dev.freqmed.model.TaskAdapter;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.train.TrainStep;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * How FAF-Net is trained and run (spec §1, §4). Samples are episodes: {@code image}
 * (3, S, S) = support slice, support mask, query slice (z-scored per volume), {@code mask}
 * (1, S, S) = query mask, {@code organ} = the organ id (0 for supervoxel pseudo-labels).
 *
 * <ul>
 *   <li>{@code openData(root, "train")}: {@code episodesPerEpoch} episodes drawn by
 *       {@link EpisodeSampler} from the volumes outside the evaluation fold, with their
 *       supervoxels; each episode is drawn in {@link #prepare} from the loader's seeded
 *       {@code Random} (seed, epoch, position), so a resumed run draws the same episodes. The
 *       generic {@code data.augmentation} is not used: {@code augment} switches the reference's
 *       own augmentation.</li>
 *   <li>{@code openData(root, "val")} (or any other split): the evaluation protocol
 *       ({@link FewShotProtocol}) on one held-out query volume of the fold, every test organ,
 *       at most {@code validationSlices} query slices per organ.</li>
 *   <li>training step: {@link EpisodicStep}, one update per episode (BatchNorm statistics over
 *       the episode's support and query, as the reference's batch of 2).</li>
 *   <li>validation: the mean over organs of the Dice of the pooled validation slices of each
 *       organ ({@code dice}); {@code dice_<organ>} per organ.</li>
 *   <li>{@code predict} through the generic predictor takes a 3-channel image packed like an
 *       episode (support, mask ×255, query); {@code freqmed fewshot predict} is the volume
 *       interface.</li>
 * </ul>
 */
public final class FafNetTask implements TaskAdapter {

    private static final String EPISODE = "episode-";

    private final FafNetConfig config;
    private final FafNetLoss loss;
    private volatile EpisodeSampler sampler;

    /** @param config the configuration */
    public FafNetTask(FafNetConfig config) {
        this.config = config;
        this.loss = new FafNetLoss(config.bgWeight());
    }

    /** The configuration. */
    public FafNetConfig config() {
        return config;
    }

    @Override
    public SampleSource openData(Path root, String split) throws IOException {
        List<String> ids = FewShotData.ids(root);
        List<Integer> fold = FewShotData.fold(ids.size(), config.fold());
        if ("train".equals(split)) {
            List<VolumeSlices> vols = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                if (!fold.contains(i)) {
                    vols.add(FewShotData.load(root, ids.get(i), config.inputSize(),
                            config.setting() == 2, config.supervoxels()));
                }
            }
            try {
                sampler = new EpisodeSampler(vols, config.testLabels(), config.setting(),
                        config.minEpisodeSize(), config.augment());
            } catch (IllegalArgumentException e) {
                throw new IOException(root + ": " + e.getMessage(), e);
            }
            int n = config.episodesPerEpoch();
            return new SampleSource() {
                @Override
                public int size() {
                    return n;
                }

                @Override
                public Sample get(int index) {
                    return new Sample(EPISODE + index, Map.of());
                }

                @Override
                public String id(int index) {
                    return EPISODE + index;
                }
            };
        }
        List<Sample> samples = FewShotProtocol.validationEpisodes(root, ids, fold, config);
        return new SampleSource() {
            @Override
            public int size() {
                return samples.size();
            }

            @Override
            public Sample get(int index) {
                return samples.get(index);
            }

            @Override
            public String id(int index) {
                return samples.get(index).id();
            }
        };
    }

    @Override
    public Shape inputShape() {
        return new Shape(1, 3, config.inputSize(), config.inputSize());
    }

    @Override
    public Sample prepare(Sample raw, Transform augmentation, Random rng) {
        if (raw.arrays().isEmpty() && raw.id().startsWith(EPISODE)) {
            EpisodeSampler s = sampler;
            if (s == null) {
                throw new IllegalStateException("episodes are drawn only after openData(root,"
                        + " \"train\")");
            }
            return s.sample(rng, raw.id());
        }
        return raw;
    }

    @Override
    public NDList inputs(NDManager manager, List<Sample> batch) {
        return new NDList(stack(manager, batch, Sample.IMAGE));
    }

    @Override
    public NDList labels(NDManager manager, List<Sample> batch) {
        NDArray organ = HostArrays.of(manager, batch.stream()
                .mapToDouble(s -> s.arrays().containsKey("organ") ? s.get("organ").data()[0] : 0)
                .toArray()).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        return new NDList(stack(manager, batch, Sample.MASK), organ);
    }

    private static NDArray stack(NDManager manager, List<Sample> batch, String key) {
        NDList l = new NDList();
        for (Sample s : batch) {
            FloatImage f = s.get(key);
            l.add(HostArrays.of(manager, f.data(),
                    new Shape(1, f.channels(), f.height(), f.width())));
        }
        return NDArrays.concat(l);
    }

    @Override
    public TrainStep trainStep() {
        return new EpisodicStep();
    }

    @Override
    public NDArray loss(NDList outputs, NDList labels) {
        return loss.loss(outputs, labels);
    }

    @Override
    public Validation newValidation() {
        return new OrganDice(config);
    }

    /** The reference's: {@code Res101Encoder._init_weights} and PyTorch's layer defaults. */
    @Override
    public String initialisation() {
        return "FAF-Net reference: encoder convolutions Kaiming-normal (fan_out, ReLU gain),"
                + " BatchNorm weight 1 / bias 0; cross_att PyTorch defaults (Kaiming-uniform"
                + " a=sqrt(5), biases U(+-1/sqrt(fan_in)))";
    }

    @Override
    public String normalization() {
        return "episode: support, support mask, query; slices z-scored per volume";
    }

    /**
     * Treats a 3-channel image as one packed episode: channels 0 and 2 (support and query)
     * z-scored with their own statistics (a volume's are not available here), channel 1 the
     * support mask (foreground above 127.5), all resized to the network side.
     */
    @Override
    public PreparedImage preprocess(FloatImage image) {
        if (image.channels() != 3) {
            throw new IllegalArgumentException("FAF-Net predicts a 3-channel image packed as"
                    + " support, support mask, query; found " + image.channels() + " channels");
        }
        int s = config.inputSize();
        FloatImage r = Resample.bilinearAntialias(image, s, s);
        float[] d = r.data().clone();
        int plane = s * s;
        for (int c = 0; c < 3; c += 2) {
            double mean = 0;
            for (int i = 0; i < plane; i++) {
                mean += d[c * plane + i];
            }
            mean /= plane;
            double var = 0;
            for (int i = 0; i < plane; i++) {
                var += Math.pow(d[c * plane + i] - mean, 2);
            }
            double std = Math.sqrt(var / plane);
            for (int i = 0; i < plane; i++) {
                d[c * plane + i] = (float) ((d[c * plane + i] - mean) / (std > 0 ? std : 1));
            }
        }
        for (int i = 0; i < plane; i++) {
            d[plane + i] = d[plane + i] > 127.5f ? 1 : 0;
        }
        return new PreparedImage(new FloatImage(3, s, s, d), image);
    }

    @Override
    public NDList forward(Block network, ParameterStore ps, NDArray windows) {
        NDArray p = network.forward(ps, new NDList(windows), false).head()
                .get(new ai.djl.ndarray.index.NDIndex(":, 1:2"));
        p.setName(dev.freqmed.infer.PredictionOutput.PROBABILITY.name());
        return new NDList(p);
    }

    @Override
    public Prediction postprocess(NDManager manager, Map<String, FloatImage> maps,
            PreparedImage prepared) {
        FloatImage p = maps.get(dev.freqmed.infer.PredictionOutput.PROBABILITY.name());
        return BinarySegmentationTask.binaryPrediction(Resample.bilinearAntialias(p,
                prepared.original().height(), prepared.original().width()));
    }

    /** One window per slice: the network takes exactly {@code inputSize}. */
    @Override
    public int stride() {
        return config.inputSize();
    }

    @Override
    public int margin() {
        return 0;
    }

    @Override
    public PredictionWriter writer(double threshold) {
        return new BinaryMaskWriter(threshold);
    }

    /** Pooled Dice per organ over the validation slices, and their mean. */
    static final class OrganDice implements Validation {
        private final FafNetConfig config;
        private final Map<Integer, long[]> counts = new java.util.TreeMap<>();

        OrganDice(FafNetConfig config) {
            this.config = config;
        }

        @Override
        public void update(NDList outputs, NDList labels) {
            float[] p = outputs.head().get(new ai.djl.ndarray.index.NDIndex(":, 1"))
                    .toFloatArray();
            float[] t = labels.head().toFloatArray();
            float[] organ = labels.size() > 1 ? labels.get(1).toFloatArray() : new float[] {0};
            int per = t.length / organ.length;
            for (int i = 0; i < organ.length; i++) {
                long[] c = counts.computeIfAbsent((int) organ[i], k -> new long[3]);
                for (int j = i * per; j < (i + 1) * per; j++) {
                    boolean pr = p[j] > 0.5f;
                    boolean gt = t[j] > 0.5f;
                    c[0] += pr && gt ? 1 : 0;
                    c[1] += pr && !gt ? 1 : 0;
                    c[2] += !pr && gt ? 1 : 0;
                }
            }
        }

        @Override
        public Map<String, Double> result() {
            Map<String, Double> out = new LinkedHashMap<>();
            double sum = 0;
            for (Map.Entry<Integer, long[]> e : counts.entrySet()) {
                long[] c = e.getValue();
                double d = 2.0 * c[0] + c[1] + c[2] == 0 ? 1 : 2.0 * c[0] / (2.0 * c[0] + c[1] + c[2]);
                sum += d;
                int id = e.getKey();
                out.put("dice_" + (id >= 1 && id <= config.labels().size()
                        ? config.labelName(id) : Integer.toString(id)), d);
            }
            Map<String, Double> r = new LinkedHashMap<>();
            r.put("dice", counts.isEmpty() ? 0 : sum / counts.size());
            r.putAll(out);
            return r;
        }
    }
}
