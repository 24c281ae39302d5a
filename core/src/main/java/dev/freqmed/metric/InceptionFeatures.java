package dev.freqmed.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.freqmed.backbone.InceptionV3;
import dev.freqmed.data.BinaryFolderReader;
import dev.freqmed.data.FloatImage;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.WeightFormatException;
import dev.freqmed.io.weights.WeightFiles;
import dev.freqmed.metric.image.PilBicubic;
import dev.freqmed.tensor.HostArrays;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * clean-fid's feature procedure ({@code mode="clean"}; Diffusion-FFPE spec §5): each image read
 * as 8-bit RGB, each channel resized to 299×299 by Pillow's float bicubic
 * ({@link PilBicubic}, no rounding to 8 bits), clipped to [0, 255], normalised to
 * {@code (x − 128)/128}, and Inception-V3's 2048-d pool features ({@link InceptionV3}).
 *
 * <p>Weights come from a file the user supplies, read as a state dict (nothing executed):
 * pytorch-fid's {@code pt_inception-2015-12-05-*.pth} (its {@code fc} has 1008 rows; the FID
 * pooling variant) or torchvision's {@code inception_v3_google-*.pth} (1000 rows). {@code fc} and
 * {@code AuxLogits} are not used.
 *
 * <p>DEVIATION: clean-fid runs the StyleGAN2-ADA TorchScript export of TensorFlow's Inception
 * graph ({@code inception-2015-12-05.pt}); FreqMed runs no third-party TorchScript files (its
 * only TorchScript is the one-line attention module it writes itself, {@code FusedAttention}),
 * and reads pytorch-fid's port of the same 2015-12-05 weights instead. Images are decoded by Java's ImageIO
 * rather than Pillow, so JPEG pixels may differ by a level where the decoders' IDCTs differ.
 */
public final class InceptionFeatures implements ImageFeatureExtractor {

    /** The side clean-fid resizes to. */
    public static final int SIDE = 299;
    private static final int BATCH = 8;

    private final NDManager manager;
    private final InceptionV3 net;
    private final String name;

    private InceptionFeatures(NDManager manager, InceptionV3 net, String name) {
        this.manager = manager;
        this.net = net;
        this.name = name;
    }

    /**
     * Loads Inception-V3 weights from {@code file}.
     *
     * @throws IOException naming the file when it is not a readable weight file, holds code, or
     *     its keys and shapes are not Inception-V3's (the message lists them)
     */
    public static InceptionFeatures open(Path file) throws IOException {
        Map<String, HostTensor> sd = WeightFiles.read(file).stateDict();
        HostTensor fc = sd.get("fc.weight");
        InceptionV3.Variant v = fc != null && fc.shape().length == 2 && fc.shape()[0] == 1008
                ? InceptionV3.Variant.FID : InceptionV3.Variant.TORCHVISION;
        NDManager m = NDManager.newBaseManager();
        try {
            InceptionV3 net = new InceptionV3(v);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, SIDE, SIDE));
            StateDicts.load(net, sd, LoadOptions.strictDefaults().withIgnoreUnexpected("fc.*")
                    .withIgnoreUnexpected("AuxLogits.*"));
            String variant = v == InceptionV3.Variant.FID ? "pt_inception/TF-FID pooling"
                    : "torchvision";
            return new InceptionFeatures(m, net, "inception-v3 pool3 (" + variant + ", "
                    + file.getFileName() + "); clean-fid resize to 299, (x-128)/128");
        } catch (IllegalArgumentException e) {
            m.close();
            throw new WeightFormatException(file, "not Inception-V3 weights: " + e.getMessage(),
                    e);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * One image as clean-fid feeds it to the network: (3, 299, 299), normalised.
     *
     * @param image (3, H, W), 0..255
     */
    static float[] prepare(FloatImage image) {
        int plane = SIDE * SIDE;
        float[] out = new float[3 * plane];
        int h = image.height();
        int w = image.width();
        for (int c = 0; c < 3; c++) {
            float[] ch = new float[h * w];
            System.arraycopy(image.data(), c * h * w, ch, 0, h * w);
            float[] r = PilBicubic.resize(ch, h, w, SIDE, SIDE);
            for (int i = 0; i < plane; i++) {
                float v = Math.min(255f, Math.max(0f, r[i]));
                out[c * plane + i] = (v - 128f) / 128f;
            }
        }
        return out;
    }

    @Override
    public FeatureMatrix extract(List<Path> images, BiConsumer<Integer, Integer> progress)
            throws IOException {
        int n = images.size();
        double[] data = new double[n * InceptionV3.FEATURES];
        int plane = 3 * SIDE * SIDE;
        for (int start = 0; start < n; start += BATCH) {
            int b = Math.min(BATCH, n - start);
            float[] batch = new float[b * plane];
            for (int i = 0; i < b; i++) {
                FloatImage img = BinaryFolderReader.readImage(images.get(start + i));
                System.arraycopy(prepare(img), 0, batch, i * plane, plane);
            }
            try (NDManager sub = manager.newSubManager()) {
                NDArray x = HostArrays.of(sub, batch, new Shape(b, 3, SIDE, SIDE));
                float[] f = net.forward(new ParameterStore(sub, false), new NDList(x), false)
                        .singletonOrThrow().toFloatArray();
                for (int i = 0; i < f.length; i++) {
                    data[start * InceptionV3.FEATURES + i] = f[i];
                }
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new IOException("interrupted");
            }
            progress.accept(start + b, n);
        }
        return new FeatureMatrix(n, InceptionV3.FEATURES, data);
    }

    @Override
    public void close() {
        manager.close();
    }
}
