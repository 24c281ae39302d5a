package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train → predict → evaluate path through the command line, and its bad-input errors. */
@Tag("slow")
class TrainPredictCommandTest {

    static final Path PH2 = Path.of("..", "testdata", "ph2");

    @TempDir
    static Path shared;
    static Path data;
    static Path run;

    /** Copies a few PH2 cases and trains a tiny FRCU-Net once for all tests. */
    @BeforeAll
    static void trainOnce() throws IOException {
        data = shared.resolve("data");
        Files.createDirectories(data.resolve("images"));
        Files.createDirectories(data.resolve("masks"));
        List<String> lines = Files.readAllLines(PH2.resolve("split.csv"));
        StringBuilder split = new StringBuilder("id,split\n");
        for (int i = 1; i <= 10; i++) {
            String id = lines.get(i).split(",")[0];
            Files.copy(PH2.resolve("images/" + id + ".jpg"), data.resolve("images/" + id + ".jpg"));
            Files.copy(PH2.resolve("masks/" + id + ".png"), data.resolve("masks/" + id + ".png"));
            split.append(id).append(i <= 6 ? ",train\n" : i <= 8 ? ",val\n" : ",test\n");
        }
        Files.writeString(data.resolve("split.csv"), split.toString());
        run = shared.resolve("run");
        Path cfg = config(shared.resolve("tiny.yaml"), "");
        CliRunner.Result r = CliRunner.run("train", "--config", cfg.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("epoch   2"), r.out());
    }

    static Path config(Path file, String extraModel) throws IOException {
        Files.writeString(file, "model:\n  arch: frcunet\n  preset: tiny\n  inputSize: 32\n" + extraModel
                + "data:\n  root: " + data.toAbsolutePath() + "\n  workers: 1\n"
                + "train:\n  epochs: 2\n  batchSize: 3\n  learningRate: 3.0e-3\n"
                + "output: " + run.toAbsolutePath() + "\n");
        return file;
    }

    @Test
    void predictWritesMaskProbabilityAndOverlayAtTheOriginalSizeAndEvaluateReadsThem() throws IOException {
        Path out = shared.resolve("pred");
        CliRunner.Result r = CliRunner.run("predict", "--model", run.toString(), "--input",
                data.resolve("images").toString(), "--output", out.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        for (String id : List.of("IMD002", "IMD003")) {
            GrayImage mask = ImageIo.readGray(out.resolve("masks/" + id + ".png"));
            GrayImage truth = ImageIo.readGray(data.resolve("masks/" + id + ".png"));
            assertEquals(truth.width(), mask.width());
            assertEquals(truth.height(), mask.height());
            for (int v : mask.data()) {
                assertTrue(v == 0 || v == 255);
            }
            assertTrue(Files.exists(out.resolve("prob/" + id + ".png")));
            assertTrue(Files.exists(out.resolve("overlays/" + id + ".png")));
        }
        Path json = shared.resolve("metrics.json");
        CliRunner.Result e = CliRunner.run("evaluate", "--task", "binary", "--pred", out.resolve("masks").toString(),
                "--gt", data.resolve("masks").toString(), "--out", json.toString());
        assertEquals(0, e.code(), e.err());
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        double f1 = n.findValue("f1").asDouble();
        // The pooled Dice of the written masks against the ground truth, counted here.
        long tp = 0;
        long pred = 0;
        long truthPixels = 0;
        try (java.util.stream.Stream<Path> masks = Files.list(out.resolve("masks"))) {
            for (Path mp : masks.sorted().toList()) {
                int[] pm = ImageIo.readGray(mp).data();
                int[] gm = ImageIo.readGray(data.resolve("masks").resolve(mp.getFileName()))
                        .data();
                for (int i = 0; i < pm.length; i++) {
                    boolean p = pm[i] > 0;
                    boolean g = gm[i] > 0;
                    tp += p && g ? 1 : 0;
                    pred += p ? 1 : 0;
                    truthPixels += g ? 1 : 0;
                }
            }
        }
        assertEquals(2.0 * tp / Math.max(1, pred + truthPixels), f1, 1e-9, n.toString());
    }

    @Test
    void predictWorksInTilesOnAnyImageSizeAndFormat() throws IOException {
        Path img = shared.resolve("odd.bmp");
        javax.imageio.ImageIO.write(ImageIo.read(data.resolve("images/IMD002.jpg")), "bmp", img.toFile());
        Path out = shared.resolve("pred-tiles");
        CliRunner.Result r = CliRunner.run("predict", "--model", run.resolve("model").toString(), "--input",
                img.toString(), "--output", out.toString(), "--size", "96", "--tile", "64", "--overlap", "16",
                "--tile-batch", "2", "--blend", "gaussian", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        GrayImage mask = ImageIo.readGray(out.resolve("masks/odd.png"));
        assertEquals(192, mask.width());
    }

    @Test
    void existingOutputFoldersAreRefused() throws IOException {
        CliRunner.Result t = CliRunner.run("train", "--config", config(shared.resolve("again.yaml"), "").toString());
        assertEquals(2, t.code());
        assertTrue(t.err().contains("already exists") && t.err().contains("--resume"), t.err());
        Path out = Files.createDirectories(shared.resolve("busy"));
        Files.writeString(out.resolve("keep.txt"), "user data");
        CliRunner.Result p = CliRunner.run("predict", "--model", run.toString(), "--input",
                data.resolve("images/IMD002.jpg").toString(), "--output", out.toString());
        assertEquals(2, p.code());
        assertTrue(p.err().contains("busy") && p.err().contains("--overwrite"), p.err());
        assertEquals("user data", Files.readString(out.resolve("keep.txt")));
    }

    @Test
    void aFolderThatIsNotACheckpointIsNamed() {
        CliRunner.Result r = CliRunner.run("predict", "--model", data.toString(), "--input",
                data.resolve("images").toString(), "--output", shared.resolve("x1").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a FreqMed checkpoint") && r.err().contains(data.toString()), r.err());
    }

    @Test
    void weightsOfAnotherShapeGiveTheMismatchTable() throws IOException {
        Path other = shared.resolve("other-run");
        Path cfg = shared.resolve("wide.yaml");
        Files.writeString(cfg, Files.readString(config(shared.resolve("w0.yaml"), "  widthMultiplier: 0.25\n"))
                .replace(run.toAbsolutePath().toString(), other.toAbsolutePath().toString()));
        // Train the wider net one epoch, then put the narrow net's weights under its manifest.
        assertEquals(0, CliRunner.run("train", "--config", cfg.toString(), "--epochs", "1").code());
        Files.copy(run.resolve("model/weights.safetensors"), other.resolve("model/weights.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRunner.Result r = CliRunner.run("predict", "--model", other.toString(), "--input",
                data.resolve("images/IMD002.jpg").toString(), "--output", shared.resolve("x2").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("weights do not fit") && r.err().contains("expected"), r.err());
    }

    @Test
    void badInputsEndInOneClearLine() throws IOException {
        Path cfg = shared.resolve("bad.yaml");
        Files.writeString(cfg, "model:\n  arch: frcunet\n  preset: tiny\ndata:\n  root: x\ntrain:\n  epocs: 2\n");
        CliRunner.Result unknown = CliRunner.run("train", "--config", cfg.toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("bad.yaml") && unknown.err().contains("epocs"), unknown.err());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());

        Path corrupt = shared.resolve("corrupt.png");
        Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0});
        CliRunner.Result c = CliRunner.run("predict", "--model", run.toString(), "--input", corrupt.toString(),
                "--output", shared.resolve("x3").toString());
        assertEquals(2, c.code());
        assertTrue(c.err().contains("corrupt.png"), c.err());

        CliRunner.Result missing = CliRunner.run("predict", "--model", run.toString(), "--input",
                shared.resolve("nope.png").toString(), "--output", shared.resolve("x4").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.png") && missing.err().contains("does not exist"), missing.err());

        Path noMasks = Files.createDirectories(shared.resolve("nomask/images"));
        Files.createDirectories(shared.resolve("nomask/masks"));
        Files.copy(data.resolve("images/IMD002.jpg"), noMasks.resolve("IMD002.jpg"));
        Path cfg2 = shared.resolve("nomask.yaml");
        Files.writeString(cfg2, "model:\n  arch: frcunet\n  preset: tiny\ndata:\n  root: "
                + shared.resolve("nomask").toAbsolutePath() + "\noutput: " + shared.resolve("x5").toAbsolutePath() + "\n");
        CliRunner.Result nm = CliRunner.run("train", "--config", cfg2.toString());
        assertEquals(2, nm.code());
        assertTrue(nm.err().contains("IMD002.jpg") && nm.err().contains("no matching mask"), nm.err());
    }

    @Test
    void resumeContinuesTheRun() throws IOException {
        Path cfg = config(shared.resolve("resume.yaml"), "");
        CliRunner.Result r = CliRunner.run("train", "--config", cfg.toString(), "--resume", "--epochs", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resumed") && r.out().contains("epoch   3") && !r.out().contains("epoch   1 "),
                r.out());
    }

    /**
     * SIGTERM (what Ctrl-C becomes for a process group) in the middle of training: the JVM's own
     * handling freed the engine's native memory under the running step and crashed. Now the step
     * finishes, the command exits 130 naming the checkpoint, and the run resumes from it.
     */
    @Test
    void aSignalDuringTrainingStopsCleanlyAndTheRunResumes() throws Exception {
        Path out = shared.resolve("signalled");
        Path cfg = config(shared.resolve("signalled.yaml"), "");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "train", "--config", cfg.toString(), "--output", out.toString(),
                "--epochs", "1000", "--device", "cpu")
                .redirectError(shared.resolve("signalled.err").toFile())
                .start();
        StringBuilder seen = new StringBuilder();
        try (java.io.BufferedReader r = p.inputReader()) {
            String line;
            while ((line = r.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.startsWith("epoch   2")) {
                    // Process.destroy would also close the pipes; a plain SIGTERM leaves them open.
                    new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor();
                }
            }
        }
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "no exit after SIGTERM");
        String err = Files.readString(shared.resolve("signalled.err"));
        assertEquals(130, p.exitValue(), err + seen);
        assertTrue(!err.contains("SIGSEGV") && !err.contains("fatal error"), err);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("holds epoch (\\d+): continue with --resume")
                .matcher(err);
        assertTrue(m.find(), err);
        int kept = Integer.parseInt(m.group(1));
        assertTrue(kept >= 2 && kept < 1000, err);
        CliRunner.Result r = CliRunner.run("train", "--config", cfg.toString(), "--output", out.toString(),
                "--resume", "--epochs", String.valueOf(kept + 1), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(String.format("epoch %3d", kept + 1)), r.out());
    }
}
