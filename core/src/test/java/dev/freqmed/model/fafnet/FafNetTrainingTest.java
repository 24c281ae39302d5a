package dev.freqmed.model.fafnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.freqmed.data.nifti.NiftiReader;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.data.volume.Supervoxels;
import dev.freqmed.infer.LoadedModel;
import dev.freqmed.train.ProgressListener;
import dev.freqmed.train.TrainConfig;
import dev.freqmed.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny FAF-Net trains through the shared loop on the CHAOS sample (supervoxels computed
 * here): its loss falls and the trained network segments foreground in held-out slices.
 */
class FafNetTrainingTest {

    static final Path MINI = Path.of("..", "testdata", "chaos-mini");

    /** The sample copied under {@code dir} with supervoxels (min size 300). */
    static Path sample(Path dir) throws IOException {
        Path root = dir.resolve("chaos");
        for (String sub : new String[] {"images", "labels"}) {
            Files.createDirectories(root.resolve(sub));
            try (Stream<Path> s = Files.list(MINI.resolve(sub))) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.copy(p, root.resolve(sub).resolve(p.getFileName()));
                }
            }
        }
        Supervoxels.run(root.resolve("images"), root.resolve("supervoxels"), 300, 2,
                ProgressListener.NONE);
        return root;
    }

    static Path config(Path dir, Path data, Path out, int epochs) throws IOException {
        Path file = dir.resolve("fafnet-tiny.yaml");
        Files.writeString(file, "model:\n  arch: fafnet\n  preset: tiny\n  supportIndex: 1\n"
                + "  episodesPerEpoch: 12\n  validationSlices: 3\n"
                + "data:\n  root: " + data.toAbsolutePath() + "\n  workers: 1\n"
                + "train:\n  epochs: " + epochs + "\n  batchSize: 2\n  optimizer: sgd\n"
                + "  beta1: 0.9\n  weightDecay: 5.0e-4\n  learningRate: 1.0e-2\n"
                + "  schedule: step\n  plateauFactor: 0.98\n  stepEpochs: 1\n"
                + "  monitor: val_dice\n  keep: last\n  seed: 7\n"
                + "output: " + out.toAbsolutePath() + "\n");
        return file;
    }

    @Test
    void tinyConfigTrainsItsLossFallsAndItPredictsForeground(@TempDir Path tmp) throws Exception {
        Path data = sample(tmp);
        Path out = tmp.resolve("run");
        TrainingRun.Result r = new TrainingRun(TrainConfig.read(config(tmp, data, out, 8)),
                Device.cpu(), null).run(false);
        List<Map<String, Double>> h = r.history();
        assertEquals(8, h.size());
        double first = h.get(0).get("train_loss");
        double last = h.get(h.size() - 1).get("train_loss");
        assertTrue(last < first, "train loss " + first + " -> " + last);
        assertTrue(h.get(h.size() - 1).containsKey("val_dice_liver"), h.get(0).toString());
        // The trained network marks foreground in the held-out liver slices.
        try (LoadedModel m = LoadedModel.load(out.resolve(TrainingRun.MODEL_DIR), Device.cpu(),
                "fafnet")) {
            FafNetConfig cfg = (FafNetConfig) m.config();
            List<String> ids = FewShotData.ids(data);
            List<String> vols = FewShotProtocol.foldVolumes(ids, FewShotData.fold(ids.size(), 0),
                    1);
            VolumeSlices sup = FewShotData.load(data, vols.get(0), cfg.inputSize(), true, null);
            VolumeSlices q = FewShotData.load(data, vols.get(1), cfg.inputSize(), true, null);
            int[] ss = FewShotProtocol.supportSlices(sup, 1, 1, "liver");
            int[] qs = q.organSlices(1);
            float[] p = FewShotProtocol.predict(m.network(), m.manager(), cfg.inputSize(),
                    List.of(sup.imageSlice(ss[0])),
                    List.of(VolumeSlices.mask(sup.label(), cfg.inputSize(), ss[0], 1)),
                    List.of(q.imageSlice(qs[qs.length / 2])), 1).get(0);
            long fg = 0;
            for (float v : p) {
                fg += v > 0.5f ? 1 : 0;
            }
            assertTrue(fg > 0 && fg < p.length, "foreground pixels: " + fg);

            // The protocol end to end: metrics per organ and volume, and the figure.
            Path eval = tmp.resolve("eval");
            Map<String, Object> metrics = FewShotEvaluation.run(m.network(), m.manager(), cfg,
                    data, List.of(1, 4), 0, 1, eval, ProgressListener.NONE);
            assertEquals("2", metrics.get("support_volume"));
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> organs =
                    (Map<String, Map<String, Object>>) metrics.get("organs");
            assertEquals(List.of("liver", "spleen"), List.copyOf(organs.keySet()));
            double mean = (Double) organs.get("liver").get("dice_mean");
            assertTrue(mean >= 0 && mean <= 1, "liver Dice " + mean);
            assertTrue(Files.size(eval.resolve("figure.png")) > 0);
            assertTrue(Files.readString(eval.resolve("metrics.json")).contains("\"mean_dice\""));

            // fewshot predict over the query's liver extent is the protocol: the same support
            // slices and chunks, so the same Dice; slices outside the extent stay background.
            String qid = vols.get(1);
            NiftiVolume qLabel = FewShotData.read(FewShotData.label(data, qid));
            int[] extent = FewShotEvaluation.nativeOrganSlices(qLabel, 1);
            int lo = extent[0];
            int hi = extent[extent.length - 1];
            assertEquals(extent.length, hi - lo + 1, "the sample's liver slices are not contiguous");
            NiftiVolume supImage = FewShotData.read(FewShotData.image(data, vols.get(0)));
            NiftiVolume supLabel = FewShotData.read(FewShotData.label(data, vols.get(0)));
            NiftiVolume qImage = FewShotData.read(FewShotData.image(data, qid));
            String[] names = {"support", "mask", "query"};
            FewShotPrediction.run(m.network(), m.manager(), cfg, supImage, supLabel, 1, List.of(),
                    qImage, new int[] {lo, hi}, names, tmp.resolve("ranged"));
            FewShotPrediction.run(m.network(), m.manager(), cfg, supImage, supLabel, 1, List.of(),
                    qImage, null, names, tmp.resolve("whole"));
            float[] ranged = NiftiReader.read(tmp.resolve("ranged/prediction.nii.gz")).data();
            float[] whole = NiftiReader.read(tmp.resolve("whole/prediction.nii.gz")).data();
            float[] truth = new float[ranged.length];
            for (int i = 0; i < truth.length; i++) {
                truth[i] = qLabel.data()[i] == 1 ? 1 : 0;
            }
            int plane = qLabel.dim(0) * qLabel.dim(1);
            long inside = 0;
            long outside = 0;
            long changed = 0;
            for (int i = 0; i < ranged.length; i++) {
                boolean in = i / plane >= lo && i / plane <= hi;
                inside += in && ranged[i] == 1 ? 1 : 0;
                outside += !in && ranged[i] != 0 ? 1 : 0;
                changed += in && ranged[i] != whole[i] ? 1 : 0;
            }
            assertTrue(inside > 0 && inside < (long) (hi - lo + 1) * plane, "foreground voxels in"
                    + " the liver's slices: " + inside);
            assertEquals(0, outside, "foreground outside the query slices");
            assertTrue(changed > 0, "the range did not change the chunks: the same prediction as"
                    + " over the whole volume");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> liverVolumes = (Map<String, Map<String, Object>>)
                    organs.get("liver").get("volumes");
            assertEquals((Double) liverVolumes.get(qid).get("dice"),
                    FewShotEvaluation.diceIou(ranged, truth)[0], 1e-9, "predict vs protocol Dice");
        }
    }

    @Test
    void resumedRunContinuesAsTheUninterruptedOne(@TempDir Path tmp) throws Exception {
        Path data = sample(tmp);
        Path whole = tmp.resolve("whole");
        Path parts = tmp.resolve("parts");
        TrainingRun.Result a = new TrainingRun(TrainConfig.read(config(tmp, data, whole, 2)),
                Device.cpu(), null).run(false);
        new TrainingRun(TrainConfig.read(config(tmp, data, parts, 1)), Device.cpu(), null)
                .run(false);
        TrainingRun.Result b = new TrainingRun(TrainConfig.read(config(tmp, data, parts, 2)),
                Device.cpu(), null).run(true);
        assertEquals(2, b.history().size());
        assertEquals(a.history().get(1).get("epoch"), b.history().get(1).get("epoch"));
        // The resumed run repeats the uninterrupted one (a lost optimiser state or episode order
        // would move these losses by percents).
        for (String k : new String[] {"train_loss", "val_loss"}) {
            double x = a.history().get(1).get(k);
            double y = b.history().get(1).get(k);
            System.out.printf("resume: %s %.8g vs %.8g%n", k, x, y);
            assertEquals(x, y, 1e-5 * Math.abs(x), k);
        }
    }
}
