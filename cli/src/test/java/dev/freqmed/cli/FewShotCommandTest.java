package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import dev.freqmed.config.Configs;
import dev.freqmed.data.nifti.NiftiGeometry;
import dev.freqmed.data.nifti.NiftiReader;
import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.data.nifti.NiftiWriter;
import dev.freqmed.io.Manifest;
import dev.freqmed.io.ModelCheckpoint;
import dev.freqmed.model.ModelRegistry;
import dev.freqmed.model.fafnet.FafNetConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code freqmed fewshot predict} and {@code evaluate} on bad input: one message naming the file
 * and the problem, exit code 2, no output written.
 */
class FewShotCommandTest {

    private static final Path MINI = Path.of("..", "testdata", "chaos-mini");

    @TempDir
    Path tmp;

    private Path model;

    @BeforeEach
    void tinyModel() throws Exception {
        model = tmp.resolve("model");
        FafNetConfig cfg = FafNetConfig.tiny();
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = ModelRegistry.get("fafnet").buildNetwork(cfg);
            net.initialize(m, DataType.FLOAT32, ModelRegistry.get("fafnet").buildTask(cfg)
                    .inputShape());
            ModelCheckpoint.save(model, net, Manifest.of("fafnet", Configs.toMap(cfg)));
        }
    }

    private CliRunner.Result predict(Path support, Path mask, Path query, String... extra) {
        String[] base = {"fewshot", "predict", "--model", model.toString(), "--support",
            support.toString(), "--support-mask", mask.toString(), "--query", query.toString(),
            "--output", tmp.resolve("out").toString(), "--device", "cpu"};
        String[] all = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return CliRunner.run(all);
    }

    private void refused(CliRunner.Result r, String... words) {
        assertEquals(2, r.code(), r.err() + r.out());
        for (String w : words) {
            assertTrue(r.err().contains(w), "'" + w + "' not in: " + r.err());
        }
        assertFalse(Files.exists(tmp.resolve("out/prediction.nii.gz")));
    }

    @Test
    void badSupportAndQueryAreRefusedClearly() throws Exception {
        Path img = MINI.resolve("images/image_2.nii.gz");
        Path lbl = MINI.resolve("labels/label_2.nii.gz");
        Path query = MINI.resolve("images/image_1.nii.gz");
        NiftiVolume l = NiftiReader.read(lbl);
        Path empty = tmp.resolve("empty.nii.gz");
        NiftiWriter.write(empty, NiftiVolume.like(l, 2, new float[l.size()]));
        refused(predict(img, empty, query), "empty.nii.gz", "empty");
        refused(predict(img, lbl, query, "--label", "9"), "label_2.nii.gz", "label 9");
        NiftiVolume q = NiftiReader.read(query);
        Path coarse = tmp.resolve("coarse.nii.gz");
        NiftiWriter.write(coarse, new NiftiVolume(q.dims(), new float[] {2.5f, 2.5f, 7.7f},
                q.datatype(), 0, 0, q.data(), q.geometry()));
        refused(predict(img, lbl, coarse), "different voxel sizes", "coarse.nii.gz");
        double[][] a = q.affine();
        float[] srow = new float[12];
        for (int r = 0; r < 3; r++) {
            srow[4 * r] = (float) a[r][1];
            srow[4 * r + 1] = (float) a[r][0];
            srow[4 * r + 2] = (float) a[r][2];
            srow[4 * r + 3] = (float) a[r][3];
        }
        Path swapped = tmp.resolve("swapped.nii.gz");
        NiftiWriter.write(swapped, new NiftiVolume(q.dims(), q.spacing(), q.datatype(), 0, 0,
                q.data(), new NiftiGeometry(1, 0, 1, new float[3], new float[3], srow, 2)));
        refused(predict(img, lbl, swapped), "different orientations", "swapped.nii.gz");
        Path four = tmp.resolve("four.nii");
        NiftiWriter.write(four, new NiftiVolume(new int[] {4, 4, 2, 2},
                new float[] {1, 1, 1, 1}, 16, 0, 0, new float[64]));
        refused(predict(img, lbl, four), "four.nii", "4-D");
        byte[] bytes = Files.readAllBytes(query);
        Path cut = tmp.resolve("cut.nii.gz");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 3));
        refused(predict(img, lbl, cut), "cut.nii.gz", "truncated");
        refused(predict(img, lbl, query, "--slices", "0"), "slice 0");
        refused(predict(img, lbl, query, "--query-slices", "20-4"), "image_1.nii.gz",
                "20-4", "not a range");
        refused(predict(img, lbl, query, "--query-slices", "0-" + q.dim(2)), "image_1.nii.gz",
                "not a range within 0-" + (q.dim(2) - 1));
        refused(predict(img, lbl, query, "--query-slices", "twelve"), "--query-slices",
                "FIRST-LAST");
    }

    @Test
    void evaluationOfAnotherFoldIsRefused() {
        CliRunner.Result r = CliRunner.run("fewshot", "evaluate", "--model", model.toString(),
                "--data", MINI.toString(), "--fold", "2", "--out", tmp.resolve("ev").toString(),
                "--device", "cpu");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("fold 0"), r.err());
        CliRunner.Result o = CliRunner.run("fewshot", "evaluate", "--model", model.toString(),
                "--data", MINI.toString(), "--organ", "pancreas", "--out",
                tmp.resolve("ev").toString(), "--device", "cpu");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("pancreas") && o.err().contains("liver"), o.err());
    }
}
