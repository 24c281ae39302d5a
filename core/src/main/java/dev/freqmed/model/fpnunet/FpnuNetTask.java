package dev.freqmed.model.fpnunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.NucleusFolderReader;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.data.transform.Transform;
import dev.freqmed.infer.InstanceLabels;
import dev.freqmed.infer.InstanceWriter;
import dev.freqmed.infer.Prediction;
import dev.freqmed.infer.PredictionOutput;
import dev.freqmed.infer.PredictionWriter;
import dev.freqmed.infer.PreparedImage;
import dev.freqmed.model.BinarySegmentationTask;
import dev.freqmed.model.TaskAdapter;
import dev.freqmed.post.HoverPostProcessor;
import dev.freqmed.post.HvTargets;
import dev.freqmed.post.NucleusInstances;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trainer and predictor adapter of FPNuNet.
 *
 * <p><b>Data.</b> A split folder of the CoNSeP layout ({@code images/}, {@code inst/},
 * {@code type/}, or HoVer-Net {@code .mat} labels, read by {@link NucleusFolderReader}) cut
 * into {@code inputSize} patches with {@code patchStep} steps ({@link NucleusPatches}), or,
 * with {@code randomPatches > 0}, whole tiles cut at a random corner in training and at fixed
 * corners in validation. Per patch: the image on the reference's scale (pixel − 1, spec §1.5,
 * or ImageNet-normalised with {@code normalization: imagenet}), {@code np} = instance map > 0,
 * {@code boundary} = instance pixels with a 4-neighbour of another id (computed on the patch;
 * the spec recommends the whole tile, which differs only along patch borders), {@code hv} from
 * {@link HvTargets} after augmentation, {@code nc} = the type map.
 *
 * <p><b>Loss</b> {@link FpnuNetLoss}. <b>Validation</b>: {@code dice} of the NP map
 * (σ > 0.5, mean over patches, 1 when both are empty) and {@code type_accuracy}, the pixel
 * accuracy of argmax types over ground-truth nucleus pixels.
 *
 * <p><b>Prediction.</b> Windows of the image minus one; per window the NP probability
 * (σ), the raw HV maps and the type probabilities (softmax) are stitched with the inferer's
 * blending, then HoVer-Net's watershed ({@link HoverPostProcessor}, FPNuNet's HV directions)
 * runs once on the stitched maps → {@code Prediction{INSTANCES, TYPES}}, with the instance count
 * and the count per type in the summary.
 */
public final class FpnuNetTask implements TaskAdapter {

    /** Sample key of the NP target. */
    static final String NP = "np";
    /** Sample key of the boundary target. */
    static final String BOUNDARY = "boundary";
    /** Sample key of the HV targets. */
    static final String HV = "hv";
    /** Sample key of the type target. */
    static final String NC = "nc";

    private final FpnuNetConfig config;
    private final FpnuNetLoss loss;
    private final HoverPostProcessor post;

    /** @param config the network and its loss settings */
    public FpnuNetTask(FpnuNetConfig config) {
        this.config = config;
        this.post = new HoverPostProcessor(config.post());
        this.loss = new FpnuNetLoss(config.classWeights(), config.boundaryWeight());
    }

    /** The configuration. */
    public FpnuNetConfig config() {
        return config;
    }

    @Override
    public SampleSource openData(Path root, String split) throws IOException {
        NucleusFolderReader tiles = NucleusFolderReader.openSplit(root.resolve(split),
                config.numTypes() - 1);
        if (tiles.size() == 0) {
            throw new IOException(root.resolve(split) + ": no tiles");
        }
        FloatImage first = tiles.get(0).get(Sample.IMAGE);
        return new NucleusPatches(tiles, config.inputSize(), config.patchStep(), first.height(),
                first.width(), config.randomPatches());
    }

    @Override
    public Shape inputShape() {
        return new Shape(1, 3, config.inputSize(), config.inputSize());
    }

    @Override
    public Sample prepare(Sample raw, Transform augmentation, Random rng) {
        // Training (an augmentation is given, possibly empty) draws a random patch corner.
        Sample s = NucleusPatches.crop(raw, config.inputSize(), augmentation != null ? rng : null);
        if (augmentation != null) {
            s = augmentation.apply(s, rng);
        }
        FloatImage image = s.get(Sample.IMAGE);
        if (image.channels() != 3) {
            throw new IllegalArgumentException("sample " + raw.id() + ": FPNuNet expects an RGB"
                    + " image, found " + image.channels() + " channels");
        }
        FloatImage inst = s.get(NucleusFolderReader.INST_MAP);
        FloatImage type = s.get(NucleusFolderReader.TYPE_MAP);
        int h = inst.height();
        int w = inst.width();
        int[] ids = new int[h * w];
        float[] np = new float[h * w];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Math.round(inst.data()[i]);
            np[i] = ids[i] > 0 ? 1f : 0f;
        }
        float[][] hv = HvTargets.compute(ids, h, w);
        float[] hvData = new float[2 * h * w];
        System.arraycopy(hv[0], 0, hvData, 0, h * w);
        System.arraycopy(hv[1], 0, hvData, h * w, h * w);
        Map<String, FloatImage> arrays = new LinkedHashMap<>();
        arrays.put(Sample.IMAGE, normalise(image));
        arrays.put(NP, new FloatImage(1, h, w, np));
        arrays.put(BOUNDARY, new FloatImage(1, h, w, contour(ids, h, w)));
        arrays.put(HV, new FloatImage(2, h, w, hvData));
        arrays.put(NC, type.copy());
        return new Sample(raw.id(), arrays);
    }

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** The configured input scaling of 0..255 RGB. */
    FloatImage normalise(FloatImage image) {
        if (FpnuNetConfig.PIXEL_MINUS_ONE.equals(config.normalization())) {
            return minusOne(image);
        }
        float[] d = image.data().clone();
        int plane = image.height() * image.width();
        for (int c = 0; c < image.channels(); c++) {
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                d[i] = (d[i] / 255f - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
            }
        }
        return new FloatImage(image.channels(), image.height(), image.width(), d);
    }

    /** The reference's normalisation with mean = std = 1: {@code pixel − 1}. */
    static FloatImage minusOne(FloatImage image) {
        float[] d = image.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] -= 1f;
        }
        return new FloatImage(image.channels(), image.height(), image.width(), d);
    }

    /** 1 on instance pixels with a 4-neighbour of another id (background included). */
    static float[] contour(int[] ids, int h, int w) {
        float[] out = new float[ids.length];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int v = ids[r * w + c];
                if (v == 0) {
                    continue;
                }
                boolean edge = (r > 0 && ids[(r - 1) * w + c] != v)
                        || (r < h - 1 && ids[(r + 1) * w + c] != v)
                        || (c > 0 && ids[r * w + c - 1] != v)
                        || (c < w - 1 && ids[r * w + c + 1] != v);
                out[r * w + c] = edge ? 1f : 0f;
            }
        }
        return out;
    }

    @Override
    public NDList inputs(NDManager manager, List<Sample> batch) {
        return new NDList(BinarySegmentationTask.stack(manager, batch, Sample.IMAGE));
    }

    /**
     * NP, BOUNDARY, HV and NC targets; samples holding only a foreground {@code mask} (as the
     * benchmark's synthetic batches) give that mask alone, which the loss reads as untyped
     * nuclei.
     */
    @Override
    public NDList labels(NDManager manager, List<Sample> batch) {
        if (!batch.get(0).arrays().containsKey(NP)
                && batch.get(0).arrays().containsKey(Sample.MASK)) {
            return new NDList(BinarySegmentationTask.stack(manager, batch, Sample.MASK));
        }
        return new NDList(BinarySegmentationTask.stack(manager, batch, NP),
                BinarySegmentationTask.stack(manager, batch, BOUNDARY),
                BinarySegmentationTask.stack(manager, batch, HV),
                BinarySegmentationTask.stack(manager, batch, NC));
    }

    @Override
    public NDArray loss(NDList outputs, NDList labels) {
        return loss.evaluate(outputs, labels);
    }

    @Override
    public Validation newValidation() {
        return new NucleusValidation();
    }

    @Override
    public String initialisation() {
        return "PyTorch defaults (kaiming-uniform a=sqrt(5) weights, U(+-1/sqrt(fan_in)) biases, norms 1/0) over the"
                + " whole network, from a generator seeded with the engine seed";
    }

    @Override
    public String normalization() {
        return config.normalization();
    }

    @Override
    public PreparedImage preprocess(FloatImage image) {
        if (image.channels() != 3) {
            throw new IllegalArgumentException("FPNuNet expects an RGB image (3 channels), found "
                    + image.channels());
        }
        return new PreparedImage(normalise(image), image);
    }

    /**
     * NP probability, raw HV and type probabilities of each window, named after the branch, and
     * the boundary probability when the post-processing reads it
     * ({@code post.boundaryThreshold > 0}).
     */
    @Override
    public NDList forward(Block network, ParameterStore ps, NDArray windows) {
        NDList out = network.forward(ps, new NDList(windows), false);
        NDArray np = Activation.sigmoid(out.get(0));
        NDArray hv = out.get(2);
        NDArray nc = out.get(3).softmax(1);
        np.setName(FpnuNet.Branch.NP.name());
        hv.setName(FpnuNet.Branch.HV.name());
        nc.setName(FpnuNet.Branch.NC.name());
        NDList maps = new NDList(np, hv, nc);
        if (config.post().boundaryThreshold() > 0) {
            NDArray boundary = Activation.sigmoid(out.get(1));
            boundary.setName(FpnuNet.Branch.BOUNDARY.name());
            maps.add(boundary);
        }
        return maps;
    }

    @Override
    public Prediction postprocess(NDManager manager, Map<String, FloatImage> maps,
            PreparedImage prepared) {
        FloatImage np = maps.get(FpnuNet.Branch.NP.name());
        FloatImage hv = maps.get(FpnuNet.Branch.HV.name());
        FloatImage nc = maps.get(FpnuNet.Branch.NC.name());
        int h = np.height();
        int w = np.width();
        int plane = h * w;
        float[] h0 = java.util.Arrays.copyOfRange(hv.data(), 0, plane);
        float[] h1 = java.util.Arrays.copyOfRange(hv.data(), plane, 2 * plane);
        float[][] types = new float[nc.channels()][];
        for (int c = 0; c < types.length; c++) {
            types[c] = java.util.Arrays.copyOfRange(nc.data(), c * plane, (c + 1) * plane);
        }
        FloatImage boundary = maps.get(FpnuNet.Branch.BOUNDARY.name());
        NucleusInstances inst = post.process(np.data(), h0, h1,
                boundary == null ? null : boundary.data(), types, h, w);
        return prediction(inst, nc.channels());
    }

    /**
     * {@code INSTANCES}, {@code TYPES} (each instance's voted type) and {@code TYPE_PROBABILITY}
     * (the share of its pixels that voted for it) with counts.
     */
    static Prediction prediction(NucleusInstances inst, int typeChannels) {
        int plane = inst.height() * inst.width();
        float[] ids = new float[plane];
        float[] typeMap = new float[plane];
        float[] probability = new float[plane];
        for (int i = 0; i < plane; i++) {
            int id = inst.instances()[i];
            ids[i] = id;
            typeMap[i] = id == 0 ? 0 : inst.type()[id - 1];
            probability[i] = id == 0 ? 0 : inst.typeProbability()[id - 1];
        }
        Map<String, Object> summary = InstanceLabels.summary(inst.type(), typeChannels,
                inst.count());
        return new Prediction(Map.of(
                PredictionOutput.INSTANCES, new FloatImage(1, inst.height(), inst.width(), ids),
                PredictionOutput.TYPES, new FloatImage(1, inst.height(), inst.width(), typeMap),
                PredictionOutput.TYPE_PROBABILITY, new FloatImage(1, inst.height(), inst.width(),
                        probability)),
                summary);
    }

    /** Windows are multiples of the patch size, 8. */
    @Override
    public int stride() {
        return FpnuNet.STRIDE;
    }

    /** The configured overlap: every decoder stage attends over the whole window. */
    @Override
    public int margin() {
        return config.tileMargin();
    }

    @Override
    public PredictionWriter writer(double threshold) {
        return new InstanceWriter();
    }

    /** NP Dice (mean over patches) and type pixel accuracy on nucleus pixels. */
    static final class NucleusValidation implements Validation {
        private double diceSum;
        private long images;
        private long typeCorrect;
        private long typePixels;

        @Override
        public void update(NDList outputs, NDList labels) {
            float[] z = outputs.get(0).toFloatArray();
            float[] t = labels.get(0).toFloatArray();
            long n = outputs.get(0).getShape().get(0);
            int per = (int) (z.length / n);
            for (int b = 0; b < n; b++) {
                long inter = 0;
                long pred = 0;
                long truth = 0;
                for (int i = b * per; i < (b + 1) * per; i++) {
                    boolean p = z[i] > 0f;
                    boolean g = t[i] > 0.5f;
                    inter += p && g ? 1 : 0;
                    pred += p ? 1 : 0;
                    truth += g ? 1 : 0;
                }
                diceSum += pred + truth == 0 ? 1.0 : 2.0 * inter / (pred + truth);
                images++;
            }
            if (labels.size() > 3) {
                NDArray arg = outputs.get(3).argMax(1);
                float[] a = arg.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                        .toFloatArray();
                float[] y = labels.get(3).toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    if (y[i] > 0) {
                        typePixels++;
                        typeCorrect += a[i] == y[i] ? 1 : 0;
                    }
                }
            }
        }

        @Override
        public Map<String, Double> result() {
            Map<String, Double> r = new LinkedHashMap<>();
            r.put("dice", images == 0 ? Double.NaN : diceSum / images);
            r.put("type_accuracy", typePixels == 0 ? Double.NaN : (double) typeCorrect
                    / typePixels);
            return r;
        }
    }
}
