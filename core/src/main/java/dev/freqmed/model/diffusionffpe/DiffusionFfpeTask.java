package dev.freqmed.model.diffusionffpe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.data.UnpairedFolderReader;
import dev.freqmed.data.transform.Transform;
import dev.freqmed.infer.ImageWriter;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PredictionOutput;
import dev.freqmed.infer.PredictionWriter;
import dev.freqmed.infer.PreparedImage;
import dev.freqmed.model.BinarySegmentationTask;
import dev.freqmed.model.TaskAdapter;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.train.TrainStep;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Diffusion-FFPE's task adapter.
 *
 * <p><b>Data</b>: two unpaired folders ({@link UnpairedFolderReader}); each domain-A tile and its
 * domain-B partner are cropped to {@code imageSize} at a position drawn from the sample's seeded
 * {@code Random} (tiles of exactly that size are used whole, as the reference's
 * {@code no_resize}), then mapped to [−1, 1] ({@code x/127.5 − 1}, the reference's
 * {@code Normalize(0.5, 0.5)} of {@code ToTensor}). Inputs are the domain-A batch, labels the
 * domain-B batch. Training runs {@link DiffusionFfpeStep}.
 *
 * <p><b>Loss and validation</b> (the shared loop's validation; the paper validates with FID):
 * the colour-moment gap between the a2b translations and the domain-B images of a batch, the mean
 * over RGB channels of {@code |μ_c(fake) − μ_c(real)| + |σ_c(fake) − σ_c(real)|} over all pixels
 * of the batch, in [−1, 1] units; validation also reports it in 0..255 units as
 * {@code colour_gap}. It falls when the translation moves colour statistics toward domain B and is
 * no substitute for FID/KID ({@code freqmed evaluate --task fid|kid}).
 *
 * <p><b>Inference</b>: {@code preprocess} maps the whole image to [−1, 1] once; {@code forward}
 * runs the a2b generator per window with the latent noise drawn from {@code Random(seed)} afresh
 * for every window (so a run repeats exactly and a window's result does not depend on how windows
 * are batched), or with the posterior mean when deterministic; windows are blended by the
 * inferer; {@code postprocess} maps back with the reference's truncation
 * {@code floor(clip(x/2 + 1/2, 0, 1)·255)} → {@code Prediction{IMAGE}}, written as RGB PNG.
 */
public final class DiffusionFfpeTask implements TaskAdapter {

    private final DiffusionFfpeConfig config;
    private final Long seed;

    /** The task with seeded latent noise (seed 0), as the reference samples at inference. */
    public DiffusionFfpeTask(DiffusionFfpeConfig config) {
        this(config, 0L);
    }

    private DiffusionFfpeTask(DiffusionFfpeConfig config, Long seed) {
        this.config = config;
        this.seed = seed;
    }

    /**
     * The same task with another latent-noise rule.
     *
     * @param noiseSeed seed of the per-window noise, or null to use the posterior mean
     * @return the task
     */
    public DiffusionFfpeTask withNoiseSeed(Long noiseSeed) {
        return new DiffusionFfpeTask(config, noiseSeed);
    }

    /** The configuration. */
    public DiffusionFfpeConfig config() {
        return config;
    }

    @Override
    public SampleSource openData(Path root, String split) throws java.io.IOException {
        return UnpairedFolderReader.open(root, split);
    }

    @Override
    public Shape inputShape() {
        return new Shape(1, 3, config.imageSize(), config.imageSize());
    }

    @Override
    public Sample prepare(Sample raw, Transform augmentation, Random rng) {
        Map<String, FloatImage> out = new LinkedHashMap<>();
        for (String key : List.of(Sample.IMAGE, UnpairedFolderReader.IMAGE_B)) {
            FloatImage img = raw.arrays().get(key);
            if (img == null) {
                continue;
            }
            out.put(key, normalise(crop(img, config.imageSize(), rng, raw.id())));
        }
        Sample s = new Sample(raw.id(), out);
        return augmentation == null ? s : augmentation.apply(s, rng);
    }

    private static FloatImage crop(FloatImage img, int side, Random rng, String id) {
        if (img.channels() != 3) {
            throw new IllegalArgumentException(id + ": expected an RGB image, found "
                    + img.channels() + " channels");
        }
        if (img.height() < side || img.width() < side) {
            throw new IllegalArgumentException(id + ": " + img.width() + "x" + img.height()
                    + " is smaller than the training tile " + side + "x" + side);
        }
        int y0 = rng.nextInt(img.height() - side + 1);
        int x0 = rng.nextInt(img.width() - side + 1);
        float[] d = new float[3 * side * side];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < side; y++) {
                System.arraycopy(img.data(), (c * img.height() + y0 + y) * img.width() + x0, d,
                        (c * side + y) * side, side);
            }
        }
        return new FloatImage(3, side, side, d);
    }

    private static FloatImage normalise(FloatImage img) {
        float[] d = new float[img.data().length];
        for (int i = 0; i < d.length; i++) {
            d[i] = img.data()[i] / 127.5f - 1f;
        }
        return new FloatImage(img.channels(), img.height(), img.width(), d);
    }

    @Override
    public NDList inputs(NDManager manager, List<Sample> batch) {
        return new NDList(BinarySegmentationTask.stack(manager, batch, Sample.IMAGE));
    }

    @Override
    public NDList labels(NDManager manager, List<Sample> batch) {
        return new NDList(BinarySegmentationTask.stack(manager, batch,
                UnpairedFolderReader.IMAGE_B));
    }

    @Override
    public TrainStep trainStep() {
        return new DiffusionFfpeStep(config);
    }

    /** The colour-moment gap (see the class comment), a scalar. */
    @Override
    public NDArray loss(NDList outputs, NDList labels) {
        NDArray f = outputs.head();
        NDArray r = labels.head();
        NDArray mf = channelMean(f);
        NDArray mr = channelMean(r);
        NDArray sf = channelMean(f.sub(mf).square()).sqrt();
        NDArray sr = channelMean(r.sub(mr).square()).sqrt();
        return mf.sub(mr).abs().mean().add(sf.sub(sr).abs().mean());
    }

    /** The mean over batch and pixels per channel, (1, C, 1, 1). */
    private static NDArray channelMean(NDArray x) {
        return x.mean(new int[] {0}, true).mean(new int[] {2}, true).mean(new int[] {3}, true);
    }

    @Override
    public Validation newValidation() {
        return new Validation() {
            private double sum;
            private int batches;

            @Override
            public void update(NDList outputs, NDList labels) {
                sum += loss(outputs, labels).getFloat() * 127.5;
                batches++;
            }

            @Override
            public Map<String, Double> result() {
                return Map.of("colour_gap", batches == 0 ? Double.NaN : sum / batches);
            }
        };
    }

    @Override
    public String initialisation() {
        return "PyTorch defaults for the VAE/UNet trunk; PEFT LoRA (A kaiming-uniform, B zero); skip convs 1e-5;"
                + " truncated-normal ViT tables and heads; one generator seeded with the engine seed";
    }

    @Override
    public String normalization() {
        return "x/127.5-1";
    }

    @Override
    public PreparedImage preprocess(FloatImage image) {
        if (image.channels() != 3) {
            throw new IllegalArgumentException("Diffusion-FFPE translates RGB images, found "
                    + image.channels() + " channels");
        }
        return new PreparedImage(normalise(image), image);
    }

    @Override
    public NDList forward(Block network, ParameterStore ps, NDArray windows) {
        NDList in = new NDList(windows);
        if (seed != null) {
            Shape s = windows.getShape();
            int f = config.vae().downFactor();
            int per = (int) (4 * (s.get(2) / f) * (s.get(3) / f));
            float[] noise = new float[(int) s.get(0) * per];
            for (int i = 0; i < s.get(0); i++) {
                Random r = new Random(seed);
                for (int j = 0; j < per; j++) {
                    noise[i * per + j] = (float) r.nextGaussian();
                }
            }
            in.add(HostArrays.of(windows.getManager(), noise, new Shape(s.get(0), 4, s.get(2) / f,
                    s.get(3) / f)).toDevice(windows.getDevice(), false));
        }
        NDArray y = network.forward(ps, in, false).head();
        y.setName(PredictionOutput.IMAGE.name());
        return new NDList(y);
    }

    @Override
    public Prediction postprocess(NDManager manager, Map<String, FloatImage> maps,
            PreparedImage prepared) {
        FloatImage y = maps.get(PredictionOutput.IMAGE.name());
        float[] d = new float[y.data().length];
        double mean = 0;
        for (int i = 0; i < d.length; i++) {
            float v = Math.max(0f, Math.min(1f, y.data()[i] * 0.5f + 0.5f));
            d[i] = (float) Math.floor(v * 255f);
            mean += d[i];
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("mean_intensity", mean / d.length);
        return new Prediction(Map.of(PredictionOutput.IMAGE,
                new FloatImage(3, y.height(), y.width(), d)), summary);
    }

    @Override
    public int stride() {
        return config.stride();
    }

    /** An eighth of the training tile (64 px at 512², the overlap the issue asks for). */
    @Override
    public int margin() {
        return Math.max(stride() / 8, config.imageSize() / 8);
    }

    @Override
    public PredictionWriter writer(double threshold) {
        return new ImageWriter();
    }
}
