package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.freqmed.backbone.InceptionV3;
import dev.freqmed.backbone.InceptionV3TestAccess;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Safetensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FID and KID on image folders through Inception-V3 (generated weights of the Inception test, with
 * a 1008-row {@code fc} so that the pt_inception variant is chosen): a folder against a copy of
 * itself scores about 0, against a folder of other images clearly more; the extractor is named;
 * saved statistics reused as the reference give the same FID; features of another extractor are
 * refused; a folder of images without an extractor says how to score it.
 */
class GenerativeImageFoldersTest {

    @TempDir
    static Path tmp;
    static Path weights;

    private static void images(Path dir, long seed, boolean stripes) throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        Random r = new Random(seed);
        for (int i = 0; i < 3; i++) {
            BufferedImage bi = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 40; y++) {
                for (int x = 0; x < 48; x++) {
                    int v = stripes ? ((x / (3 + i)) % 2) * 200 + r.nextInt(40)
                            : 100 + r.nextInt(60 + 20 * i);
                    bi.setRGB(x, y, v << 16 | (255 - v) << 8 | (v / 2 + 30));
                }
            }
            // one image in a sub-folder: folders are read recursively
            ImageIO.write(bi, "png", (i == 2 ? dir.resolve("sub") : dir)
                    .resolve("t" + i + ".png").toFile());
        }
    }

    @BeforeAll
    static void setUp() throws IOException {
        images(tmp.resolve("a"), 1, false);
        images(tmp.resolve("a-copy"), 1, false);
        images(tmp.resolve("b"), 2, true);
        try (NDManager m = NDManager.newBaseManager()) {
            InceptionV3 net = new InceptionV3(InceptionV3.Variant.FID);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 299, 299));
            Map<String, HostTensor> sd = new LinkedHashMap<>(InceptionV3TestAccess.weights(net));
            sd.put("fc.weight", HostTensor.of(DType.FLOAT32, new long[] {1008, 2048},
                    new float[1008 * 2048]));
            sd.put("fc.bias", HostTensor.of(DType.FLOAT32, new long[] {1008}, new float[1008]));
            weights = tmp.resolve("pt_inception.safetensors");
            Safetensors.write(weights, sd, Map.of());
        }
    }

    private static EvaluationReport score(String family, Path pred, Path gt, Path save)
            throws IOException {
        return MetricRegistry.family(family).evaluate(EvaluationRequest.builder()
                .setPredictions(pred).setTruth(gt).optInception(weights).optSaveStats(save)
                .build());
    }

    @Test
    void fidIsAboutZeroForTheSameImagesAndPositiveForOthers() throws IOException {
        EvaluationReport same = score("fid", tmp.resolve("a"), tmp.resolve("a-copy"), null);
        Path stats = tmp.resolve("b-stats.safetensors");
        EvaluationReport other = score("fid", tmp.resolve("a"), tmp.resolve("b"), stats);
        double fidSame = (Double) same.values().get("fid");
        double fidOther = (Double) other.values().get("fid");
        assertEquals(3, same.values().get("samples_pred"));
        assertTrue(Math.abs(fidSame) < 1e-3 * fidOther, fidSame + " vs " + fidOther);
        assertTrue(fidOther > 1, "different folders: " + fidOther);
        String extractor = (String) other.values().get("extractor");
        assertTrue(extractor.startsWith("inception-v3 pool3 (pt_inception"), extractor);
        EvaluationReport reused = score("fid", tmp.resolve("a"), stats, null);
        assertEquals(fidOther, (Double) reused.values().get("fid"), 1e-9 * fidOther);
        EvaluationReport kid = score("kid", tmp.resolve("a"), stats, null);
        double k = (Double) kid.values().get("kid");
        assertTrue(k > 0, "KID " + k);
        assertTrue((Double) kid.values().get("kid_std") >= 0);
        Path csv = tmp.resolve("csv");
        Files.createDirectories(csv);
        Files.writeString(csv.resolve("f.csv"), "1,2,3\n4,5,7\n");
        IOException wrong = assertThrows(IOException.class, () -> MetricRegistry.family("fid")
                .evaluate(EvaluationRequest.builder().setPredictions(csv)
                        .setTruth(stats).build()));
        assertTrue(wrong.getMessage().contains("cannot be compared with feature CSVs"),
                wrong.getMessage());
        IOException noExtractor = assertThrows(IOException.class, () -> MetricRegistry
                .family("fid").evaluate(EvaluationRequest.builder()
                        .setPredictions(tmp.resolve("a")).setTruth(tmp.resolve("b")).build()));
        assertTrue(noExtractor.getMessage().contains("--inception FILE"),
                noExtractor.getMessage());
    }

    @Test
    void weightsThatAreNotInceptionAreRefusedNamingTheFile() throws IOException {
        Path bad = tmp.resolve("not-inception.safetensors");
        Safetensors.write(bad, Map.of("conv.weight", HostTensor.of(DType.FLOAT32,
                new long[] {2}, new float[2])), Map.of());
        IOException e = assertThrows(IOException.class, () -> InceptionFeatures.open(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("Conv2d_1a_3x3.conv.weight"), e.getMessage());
    }
}
