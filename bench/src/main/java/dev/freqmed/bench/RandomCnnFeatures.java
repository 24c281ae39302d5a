package dev.freqmed.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.freqmed.data.BinaryFolderReader;
import dev.freqmed.data.FloatImage;
import dev.freqmed.engine.Convolutions;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.ImageIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * An offline stand-in for Inception features (Diffusion-FFPE spec §9): a fixed random CNN
 * (seed 0; three 4×4 stride-2 convolutions 3→16→32→32 with ReLU, He-uniform weights, on the
 * image scaled to [0, 1]) whose last map's per-channel mean and standard deviation give 64
 * features per image. Writes {@code OUT/NAME/features.csv} for each folder, which
 * {@code freqmed evaluate --task fid|kid} reads. The numbers compare folders with each other
 * under this extractor only; they are not clean-fid's FID/KID.
 *
 * <p>Usage: {@code RandomCnnFeatures OUT_DIR NAME=FOLDER [NAME=FOLDER ...]}.
 */
public final class RandomCnnFeatures {

    private RandomCnnFeatures() {
    }

    /**
     * Writes the features of each folder.
     *
     * @param args the output folder, then {@code name=folder} pairs
     * @throws Exception on unreadable images or unwritable output
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        try (NDManager m = NDManager.newBaseManager()) {
            Random r = new Random(0);
            NDArray[] w = {he(m, r, 16, 3), he(m, r, 32, 16), he(m, r, 32, 32)};
            for (int i = 1; i < args.length; i++) {
                String[] kv = args[i].split("=", 2);
                List<Path> files;
                try (Stream<Path> s = Files.list(Path.of(kv[1]))) {
                    files = s.filter(ImageIo::isImage).sorted().toList();
                }
                StringBuilder csv = new StringBuilder();
                for (Path f : files) {
                    FloatImage img = BinaryFolderReader.readImage(f);
                    try (NDManager sub = m.newSubManager()) {
                        NDArray x = sub.create(img.data(), new Shape(1, 3, img.height(),
                                img.width())).div(255f);
                        for (NDArray k : w) {
                            x = Convolutions.conv2d(x, k, null, new Shape(2, 2), new Shape(1, 1),
                                    new Shape(1, 1), 1).maximum(0f);
                        }
                        NDArray flat = x.reshape(32, -1);
                        NDArray mean = flat.mean(new int[] {1});
                        NDArray std = flat.sub(mean.reshape(32, 1)).square().mean(new int[] {1})
                                .sqrt();
                        float[] a = mean.toFloatArray();
                        float[] b = std.toFloatArray();
                        for (int j = 0; j < 32; j++) {
                            csv.append(String.format(Locale.ROOT, j == 0 ? "%.6g" : ",%.6g", a[j]));
                        }
                        for (int j = 0; j < 32; j++) {
                            csv.append(String.format(Locale.ROOT, ",%.6g", b[j]));
                        }
                        csv.append('\n');
                    }
                }
                Path dir = out.resolve(kv[0]);
                Files.createDirectories(dir);
                AtomicFiles.writeString(dir.resolve("features.csv"), csv.toString());
                System.out.println(kv[0] + ": " + files.size() + " images -> " + dir);
            }
        }
    }

    private static NDArray he(NDManager m, Random r, int out, int in) {
        float[] v = new float[out * in * 16];
        double bound = Math.sqrt(6.0 / (in * 16));
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
        return m.create(v, new Shape(out, in, 4, 4));
    }
}
