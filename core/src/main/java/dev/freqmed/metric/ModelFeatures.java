package dev.freqmed.metric;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.BinaryFolderReader;
import dev.freqmed.data.FloatImage;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.infer.PreparedImage;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Scalars;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * An offline feature extractor for FID/KID when no Inception weights are at hand: any FreqMed
 * checkpoint. Each image goes through the model's own {@code preprocess} (its working size and
 * normalisation), is centre-cropped to a multiple of the network's stride, and runs through the
 * task's {@code forward}; the features are the per-channel spatial mean and standard deviation
 * (population) of every map the forward returns, in order. The numbers compare folders with each
 * other under this extractor only; they are not clean-fid's FID/KID.
 */
public final class ModelFeatures implements ImageFeatureExtractor {

    private final LoadedModel model;
    private final String name;

    private ModelFeatures(LoadedModel model) {
        this.model = model;
        this.name = "freqmed:" + model.manifest().architecture() + " (" + model.dir().getFileName()
                + "); per-channel mean and std of its output maps";
    }

    /**
     * Loads a FreqMed checkpoint folder (or a run folder holding {@code model/}) on the CPU.
     *
     * @throws IOException naming the folder when it is not a loadable checkpoint
     */
    public static ModelFeatures open(Path dir) throws IOException {
        return new ModelFeatures(LoadedModel.load(dir, Device.cpu(), null));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public FeatureMatrix extract(List<Path> images, BiConsumer<Integer, Integer> progress)
            throws IOException {
        List<double[]> rows = new ArrayList<>();
        int stride = model.task().stride();
        for (int k = 0; k < images.size(); k++) {
            Path p = images.get(k);
            FloatImage img = BinaryFolderReader.readImage(p);
            PreparedImage prep = model.task().preprocess(img);
            FloatImage in = prep.input();
            int h = in.height() / stride * stride;
            int w = in.width() / stride * stride;
            if (h == 0 || w == 0) {
                throw new IOException(p + ": " + in.width() + "x" + in.height() + " at the model's"
                        + " working size is smaller than its stride " + stride);
            }
            int y0 = (in.height() - h) / 2;
            int x0 = (in.width() - w) / 2;
            float[] crop = new float[in.channels() * h * w];
            for (int c = 0; c < in.channels(); c++) {
                for (int y = 0; y < h; y++) {
                    System.arraycopy(in.data(), (c * in.height() + y0 + y) * in.width() + x0,
                            crop, (c * h + y) * w, w);
                }
            }
            try (NDManager sub = model.manager().newSubManager()) {
                NDArray x = HostArrays.of(sub, crop, new Shape(1, in.channels(), h, w));
                NDList maps = model.task().forward(model.network(),
                        new ParameterStore(sub, false), x);
                List<Double> row = new ArrayList<>();
                for (NDArray m : maps) {
                    NDArray flat = m.reshape(m.getShape().get(1), -1);
                    float[] mean = flat.mean(new int[] {1}).toFloatArray();
                    NDArray centred = flat.sub(flat.mean(new int[] {1}, true));
                    float[] std = Scalars.pow(centred, 2).mean(new int[] {1}).sqrt().toFloatArray();
                    for (int c = 0; c < mean.length; c++) {
                        row.add((double) mean[c]);
                    }
                    for (int c = 0; c < std.length; c++) {
                        row.add((double) std[c]);
                    }
                }
                rows.add(row.stream().mapToDouble(Double::doubleValue).toArray());
            }
            if (rows.get(k).length != rows.get(0).length) {
                throw new IOException(p + ": " + rows.get(k).length + " features, but "
                        + images.get(0).getFileName() + " gave " + rows.get(0).length);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new IOException("interrupted");
            }
            progress.accept(k + 1, images.size());
        }
        int d = rows.get(0).length;
        double[] data = new double[rows.size() * d];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, data, i * d, d);
        }
        return new FeatureMatrix(rows.size(), d, data);
    }

    @Override
    public void close() {
        model.close();
    }
}
