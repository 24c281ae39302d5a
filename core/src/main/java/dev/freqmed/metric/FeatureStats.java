package dev.freqmed.metric;

import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.WeightFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saved reference statistics for FID/KID (clean-fid's {@code --save-stats} {@code .npz} holds
 * {@code mu}, {@code sigma} and {@code features}): a safetensors file with float64
 * {@code features (n, d)}, {@code mu (d)} and {@code sigma (d, d)} (N−1 covariance), and the
 * extractor's name in the metadata, so that statistics are only compared with features of the
 * same extractor. Written atomically.
 */
public final class FeatureStats {

    /** The metadata value that marks a statistics file. */
    static final String FORMAT = "freqmed-feature-stats";

    private FeatureStats() {
    }

    /** Saved features and the extractor that made them. */
    public record Saved(FeatureMatrix features, String extractor) {
    }

    /**
     * Writes the features of a reference set and their mean and covariance.
     *
     * @throws IOException when the file cannot be written (an earlier file is kept)
     */
    public static void write(Path file, FeatureMatrix f, String extractor) throws IOException {
        int d = f.cols();
        double[] mu = FrechetInceptionDistance.mean(f);
        double[] sigma = f.rows() > 1 ? FrechetInceptionDistance.covariance(f, mu)
                : new double[d * d];
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("features", doubles(new long[] {f.rows(), d}, f.data()));
        t.put("mu", doubles(new long[] {d}, mu));
        t.put("sigma", doubles(new long[] {d, d}, sigma));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("extractor", extractor);
        meta.put("samples", Integer.toString(f.rows()));
        Safetensors.write(file, t, meta);
    }

    /**
     * Reads a statistics file.
     *
     * @throws IOException naming the file when it is not a FreqMed statistics file
     */
    public static Saved read(Path file) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        if (!FORMAT.equals(c.metadata().get("format"))) {
            throw new WeightFormatException(file, "not a FreqMed feature-statistics file"
                    + " (written by 'evaluate --save-stats')");
        }
        HostTensor f = c.tensors().get("features");
        if (f == null || f.shape().length != 2) {
            throw new WeightFormatException(file, "no (n, d) 'features' tensor");
        }
        return new Saved(new FeatureMatrix((int) f.shape()[0], (int) f.shape()[1],
                f.toDoubleArray()), c.metadata().getOrDefault("extractor", "unknown"));
    }

    private static HostTensor doubles(long[] shape, double[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        return HostTensor.of(DType.FLOAT64, shape, b);
    }
}
