package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.infer.ImageWriter;
import dev.freqmed.data.nifti.NiftiReader;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import dev.freqmed.io.RgbImage;
import dev.freqmed.model.ModelRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * For every registered model, the command line runs end to end on real sample data: a tiny
 * {@code train}, {@code predict} on the validation images (every mask at the image's size,
 * 0/255), and {@code evaluate --task binary}, whose pooled Dice must equal the one computed here
 * from the written masks. Instance models ({@link #INSTANCE_SAMPLES}) write instance maps
 * instead and are scored with {@code evaluate --task instance}, whose mean foreground Dice must
 * equal the one computed here from the written maps.
 * A model whose predictions are images (stain translation, written by
 * {@link ImageWriter}) has no masks and no Dice: there every input gets an RGB image of its own
 * size that differs from the input; {@code evaluate --task fid|kid} reads feature files, which no
 * command produces from images yet, so it is not part of this model kind's contract.
 */
class ModelCliContractTest {

    private static final Path TESTDATA = Path.of("..", "testdata");

    /** Sample data (split folders or split.csv) and model settings of each registered model. */
    static final Map<String, String[]> SAMPLES = Map.of(
            // Volumes: the few-shot run (supervoxels, train, fewshot predict, evaluate fewshot).
            "fafnet", new String[] {"chaos-mini", "  preset: tiny\n  supportIndex: 1\n"
                    + "  episodesPerEpoch: 12\n  validationSlices: 2\n"},
            "frcunet", new String[] {"drive", "  preset: tiny\n  inputSize: 32\n"},
            "fsanet", new String[] {"drive", "  preset: tiny\n  trainSize: 64\n"
                    + "  testSize: 64\n  scaleRates: [1.0]\n"},
            "diffusion-ffpe", new String[] {"diffusion-ffpe/mini", "  preset: tiny\n",
                "  monitor: val_loss\n"});

    /**
     * Instance models: sample data (split folders with {@code images/} and {@code inst/}), model
     * settings, validation split, window side and overlap for {@code predict}.
     */
    static final Map<String, String[]> INSTANCE_SAMPLES = Map.of(
            "fpnunet", new String[] {"fpnunet/cli-sample", "  preset: tiny\n", "val", "64",
                    "8"});

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyRegisteredModelTrainsPredictsAndEvaluatesFromTheCommandLine() {
        return ModelRegistry.names().stream().sorted().map(name -> DynamicTest.dynamicTest(name,
                () -> smoke(name)));
    }

    private void smoke(String name) throws IOException {
        if (INSTANCE_SAMPLES.containsKey(name)) {
            instanceSmoke(name, INSTANCE_SAMPLES.get(name));
            return;
        }
        String[] sample = SAMPLES.get(name);
        if (sample == null) {
            fail(name + " has no sample data in ModelCliContractTest.SAMPLES");
        }
        Path data = TESTDATA.resolve(sample[0]).toAbsolutePath();
        if (Files.isDirectory(data.resolve("labels"))) {
            volumeSmoke(name, data, sample[1]);
            return;
        }
        Path run = tmp.resolve(name + "-run");
        Path cfg = tmp.resolve(name + ".yaml");
        Files.writeString(cfg, "model:\n  arch: " + name + "\n" + sample[1]
                + "data:\n  root: " + data + "\n  augmentation: none\n  workers: 1\n"
                + "train:\n  epochs: 1\n  batchSize: 2\n  learningRate: 1.0e-3\n"
                + (sample.length > 2 ? sample[2] : "") + "output: " + run + "\n");
        CliRunner.Result t = CliRunner.run("train", "--config", cfg.toString(), "--device", "cpu");
        assertEquals(0, t.code(), name + " train: " + t.err() + t.out());
        Record tiny = ModelRegistry.get(name).preset("tiny");
        if (ModelRegistry.get(name).buildTask(tiny).writer(0.5) instanceof ImageWriter) {
            translatesImages(name, run, data.resolve("val/domain_a"));
            return;
        }
        Path images = data.resolve("val/images");
        Path masks = data.resolve("val/masks");
        Path out = tmp.resolve(name + "-pred");
        CliRunner.Result p = CliRunner.run("predict", "--model", run.toString(), "--input",
                images.toString(), "--output", out.toString(), "--device", "cpu");
        assertEquals(0, p.code(), name + " predict: " + p.err());
        long tp = 0;
        long predicted = 0;
        long truthPixels = 0;
        List<Path> inputs;
        try (Stream<Path> s = Files.list(images)) {
            inputs = s.sorted().toList();
        }
        for (Path img : inputs) {
            String stem = ImageIo.stem(img);
            GrayImage mask = ImageIo.readGray(out.resolve("masks/" + stem + ".png"));
            GrayImage truth = ImageIo.readGray(masks.resolve(stem + ".png"));
            assertEquals(truth.width(), mask.width(), name + " " + stem);
            assertEquals(truth.height(), mask.height(), name + " " + stem);
            int max = Math.max(1, java.util.Arrays.stream(truth.data()).max().orElse(1));
            for (int i = 0; i < mask.data().length; i++) {
                int v = mask.data()[i];
                assertTrue(v == 0 || v == 255, name + " mask value " + v);
                boolean pr = v == 255;
                boolean gt = truth.data()[i] * 2 > max;
                tp += pr && gt ? 1 : 0;
                predicted += pr ? 1 : 0;
                truthPixels += gt ? 1 : 0;
            }
            assertTrue(Files.exists(out.resolve("prob/" + stem + ".png")), stem);
            assertTrue(Files.exists(out.resolve("overlays/" + stem + ".png")), stem);
        }
        Path json = tmp.resolve(name + "-metrics.json");
        CliRunner.Result e = CliRunner.run("evaluate", "--task", "binary", "--pred",
                out.resolve("masks").toString(), "--gt", masks.toString(), "--out",
                json.toString());
        assertEquals(0, e.code(), name + " evaluate: " + e.err());
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        double f1 = n.findValue("f1").asDouble();
        double expected = predicted + truthPixels == 0 ? 1.0
                : 2.0 * tp / (predicted + truthPixels);
        assertEquals(expected, f1, 1e-9, name + ": " + n);
    }

    private void instanceSmoke(String name, String[] sample) throws IOException {
        Path data = TESTDATA.resolve(sample[0]).toAbsolutePath();
        Path run = tmp.resolve(name + "-run");
        Path cfg = tmp.resolve(name + ".yaml");
        Files.writeString(cfg, "model:\n  arch: " + name + "\n" + sample[1]
                + "data:\n  root: " + data + "\n  valSplit: " + sample[2] + "\n  testSplit: \"\"\n"
                + "  augmentation: none\n  workers: 1\n"
                + "train:\n  epochs: 1\n  batchSize: 2\n  learningRate: 1.0e-3\n"
                + "output: " + run + "\n");
        CliRunner.Result t = CliRunner.run("train", "--config", cfg.toString(), "--device", "cpu");
        assertEquals(0, t.code(), name + " train: " + t.err() + t.out());
        Path images = data.resolve(sample[2]).resolve("images");
        Path truthDir = data.resolve(sample[2]).resolve("inst");
        Path out = tmp.resolve(name + "-pred");
        CliRunner.Result p = CliRunner.run("predict", "--model", run.toString(), "--input",
                images.toString(), "--output", out.toString(), "--device", "cpu", "--tile",
                sample[3], "--overlap", sample[4], "--blend", "gaussian");
        assertEquals(0, p.code(), name + " predict: " + p.err());
        // The data root's class names travel with the run and name the predicted classes.
        assertTrue(Files.isRegularFile(run.resolve("types.json")), name + ": types.json not copied");
        assertTrue(p.out().contains("class names: " + run.resolve("types.json").toAbsolutePath()),
                p.out());
        List<Path> inputs;
        try (Stream<Path> s = Files.list(images)) {
            inputs = s.sorted().toList();
        }
        double diceSum = 0;
        for (Path img : inputs) {
            String stem = ImageIo.stem(img);
            GrayImage pred = ImageIo.readGray(out.resolve("instances/" + stem + ".png"));
            GrayImage truth = ImageIo.readGray(truthDir.resolve(stem + ".png"));
            assertEquals(truth.width(), pred.width(), name + " " + stem);
            assertEquals(truth.height(), pred.height(), name + " " + stem);
            long inter = 0;
            long sum = 0;
            for (int i = 0; i < pred.data().length; i++) {
                boolean pr = pred.data()[i] > 0;
                boolean gt = truth.data()[i] > 0;
                inter += pr && gt ? 1 : 0;
                sum += (pr ? 1 : 0) + (gt ? 1 : 0);
            }
            diceSum += 2.0 * inter / sum;
            assertTrue(Files.exists(out.resolve("objects/" + stem + ".geojson")), stem);
        }
        Path json = tmp.resolve(name + "-metrics.json");
        CliRunner.Result e = CliRunner.run("evaluate", "--task", "instance", "--pred",
                out.resolve("instances").toString(), "--gt", truthDir.toString(), "--out",
                json.toString());
        assertEquals(0, e.code(), name + " evaluate: " + e.err());
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        assertEquals(diceSum / inputs.size(),
                n.get("mean_over_images").get("dice_1").asDouble(), 1e-9,
                name + ": " + n);
        // Post-processing settings replaced for one run; an unknown one is refused by name.
        Path out2 = tmp.resolve(name + "-pred-set");
        CliRunner.Result p2 = CliRunner.run("predict", "--model", run.toString(), "--input",
                images.toString(), "--output", out2.toString(), "--device", "cpu", "--tile",
                sample[3], "--overlap", sample[4], "--set", "post.boundaryThreshold=0.5",
                "--set", "post.markerKernel=3");
        assertEquals(0, p2.code(), name + " predict --set: " + p2.err());
        assertTrue(p2.out().contains("post.boundaryThreshold=0.5"), p2.out());
        assertEquals(inputs.size(), Files.list(out2.resolve("instances")).count(), name);
        regionByRegion(name, run, inputs.get(0), sample);
        CliRunner.Result bad = CliRunner.run("predict", "--model", run.toString(), "--input",
                images.toString(), "--output", tmp.resolve(name + "-pred-bad").toString(),
                "--device", "cpu", "--set", "post.edgeTreshold=0.3");
        assertTrue(bad.code() != 0, name + ": unknown setting accepted");
        assertTrue(bad.err().contains("edgeTreshold") && bad.err().contains("manifest.json"),
                bad.err());
    }

    /**
     * A TIFF larger than {@code --region} is predicted region by region: one line per region,
     * an instance map of the image's size, and one CSV row per id in it.
     */
    private void regionByRegion(String name, Path run, Path png, String[] sample)
            throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name + "-tiff"));
        Path tiff = dir.resolve("large.tif");
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertTrue(javax.imageio.ImageIO.write(img, "tiff", tiff.toFile()), "no TIFF writer");
        Path out = tmp.resolve(name + "-pred-region");
        CliRunner.Result p = CliRunner.run("predict", "--model", run.toString(), "--input",
                tiff.toString(), "--output", out.toString(), "--device", "cpu", "--tile",
                sample[3], "--overlap", sample[4], "--region", "48", "--region-margin", "16",
                "--types", TESTDATA.resolve("consep/types.json").toString());
        assertEquals(0, p.code(), name + " predict --region: " + p.err());
        assertTrue(p.out().contains("class names: "), p.out());
        int regions = ((img.getWidth() + 47) / 48) * ((img.getHeight() + 47) / 48);
        assertTrue(p.out().contains(regions + " regions of 48 px + 16 px margin"), p.out());
        assertTrue(p.out().contains("region " + regions + "/" + regions), p.out());
        GrayImage inst = ImageIo.readGray(out.resolve("instances/large.png"));
        assertEquals(img.getWidth(), inst.width());
        assertEquals(img.getHeight(), inst.height());
        long ids = java.util.Arrays.stream(inst.data()).filter(v -> v > 0).distinct().count();
        List<String> rows = Files.readAllLines(out.resolve("objects/large.csv"));
        assertEquals(ids, rows.size() - 1, name + ": " + rows);
        assertEquals("id,x,y,area,type,type_name,type_probability,dab_od", rows.get(0));
        for (String row : rows.subList(1, rows.size())) {
            String typeName = row.split(",")[5];
            assertTrue(List.of("background", "other", "inflammatory", "epithelial",
                    "spindle-shaped").contains(typeName), row);
        }
        RgbImage overlay = ImageIo.readRgb(out.resolve("overlays/large.png"));
        assertEquals(img.getWidth(), overlay.width());
        CliRunner.Result bad = CliRunner.run("predict", "--model", run.toString(), "--input",
                tiff.toString(), "--output", tmp.resolve(name + "-pred-region-bad").toString(),
                "--device", "cpu", "--region", "-1");
        assertTrue(bad.code() != 0 && bad.err().contains("--region"), bad.err());
    }

    /** Predicts every image of {@code images}: an RGB image of the input's size that differs from it. */
    private void translatesImages(String name, Path run, Path images) throws IOException {
        Path out = tmp.resolve(name + "-pred");
        CliRunner.Result p = CliRunner.run("predict", "--model", run.toString(), "--input",
                images.toString(), "--output", out.toString(), "--device", "cpu");
        assertEquals(0, p.code(), name + " predict: " + p.err());
        List<Path> inputs;
        try (Stream<Path> s = Files.list(images)) {
            inputs = s.sorted().toList();
        }
        assertFalse(inputs.isEmpty());
        for (Path img : inputs) {
            RgbImage in = ImageIo.readRgb(img);
            RgbImage pred = ImageIo.readRgb(out.resolve("images/" + ImageIo.stem(img) + ".png"));
            assertEquals(in.width(), pred.width(), name + " " + img);
            assertEquals(in.height(), pred.height(), name + " " + img);
            assertFalse(java.util.Arrays.equals(in.data(), pred.data()), name + " " + img
                    + ": the prediction is the input");
        }
    }

    /**
     * The same contract for a few-shot volume model: supervoxels of the sample, training,
     * {@code fewshot predict} of one volume from another's labelled slices (a NIfTI on the
     * query's grid and affine), and {@code evaluate --task fewshot}, whose Dice must equal the
     * one computed here from the written volume.
     */
    private void volumeSmoke(String name, Path sample, String model) throws IOException {
        Path data = tmp.resolve(name + "-data");
        for (String sub : new String[] {"images", "labels"}) {
            Files.createDirectories(data.resolve(sub));
            try (Stream<Path> s = Files.list(sample.resolve(sub))) {
                for (Path p : s.toList()) {
                    Files.copy(p, data.resolve(sub).resolve(p.getFileName()));
                }
            }
        }
        CliRunner.Result sv = CliRunner.run("fewshot", "supervoxels", "--volumes",
                data.resolve("images").toString(), "--out", data.resolve("supervoxels").toString(),
                "--min-size", "300");
        assertEquals(0, sv.code(), name + " supervoxels: " + sv.err());
        Path run = tmp.resolve(name + "-run");
        Path cfg = tmp.resolve(name + ".yaml");
        Files.writeString(cfg, "model:\n  arch: " + name + "\n" + model
                + "data:\n  root: " + data + "\n  workers: 1\n"
                + "train:\n  epochs: 3\n  batchSize: 2\n  optimizer: sgd\n"
                + "  beta1: 0.9\n  weightDecay: 5.0e-4\n  learningRate: 1.0e-2\n  keep: last\n"
                + "  seed: 7\n"
                + "output: " + run + "\n");
        CliRunner.Result t = CliRunner.run("train", "--config", cfg.toString(), "--device", "cpu");
        assertEquals(0, t.code(), name + " train: " + t.err() + t.out());
        Path out = tmp.resolve(name + "-pred");
        CliRunner.Result p = CliRunner.run("fewshot", "predict", "--model",
                run.resolve("model").toString(), "--support",
                data.resolve("images/image_2.nii.gz").toString(), "--support-mask",
                data.resolve("labels/label_2.nii.gz").toString(), "--label", "1", "--query",
                data.resolve("images/image_1.nii.gz").toString(), "--output", out.toString(),
                "--device", "cpu");
        assertEquals(0, p.code(), name + " predict: " + p.err());
        NiftiVolume pred = NiftiReader.read(out.resolve("prediction.nii.gz"));
        NiftiVolume query = NiftiReader.read(data.resolve("images/image_1.nii.gz"));
        NiftiVolume truth = NiftiReader.read(data.resolve("labels/label_1.nii.gz"));
        assertArrayEquals(query.dims(), pred.dims());
        for (int r = 0; r < 4; r++) {
            assertArrayEquals(query.affine()[r], pred.affine()[r], 0, name + " affine row " + r);
        }
        assertTrue(Files.exists(out.resolve("prediction_overlay.png")), name);
        Path predDir = Files.createDirectories(tmp.resolve(name + "-p"));
        Path gtDir = Files.createDirectories(tmp.resolve(name + "-g"));
        Files.copy(out.resolve("prediction.nii.gz"), predDir.resolve("v1.nii.gz"));
        Files.copy(data.resolve("labels/label_1.nii.gz"), gtDir.resolve("v1.nii.gz"));
        Path json = tmp.resolve(name + "-metrics.json");
        CliRunner.Result e = CliRunner.run("evaluate", "--task", "fewshot", "--pred",
                predDir.toString(), "--gt", gtDir.toString(), "--label", "1", "--out",
                json.toString());
        assertEquals(0, e.code(), name + " evaluate: " + e.err());
        long tp = 0;
        long predicted = 0;
        long truthVoxels = 0;
        for (int i = 0; i < pred.data().length; i++) {
            boolean pr = pred.data()[i] == 1;
            boolean gt = truth.data()[i] == 1;
            tp += pr && gt ? 1 : 0;
            predicted += pr ? 1 : 0;
            truthVoxels += gt ? 1 : 0;
        }
        assertTrue(predicted > 0, name + ": nothing segmented");
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        assertEquals(2.0 * tp / (predicted + truthVoxels),
                n.findValue("class_mean_dice").asDouble(), 1e-6, name + ": " + n);
    }
}
