package dev.freqmed.model.fsanet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freqmed.backbone.ReferenceFixture;
import dev.freqmed.data.FloatImage;
import dev.freqmed.infer.PredictionOutput;
import dev.freqmed.infer.PreparedImage;
import dev.freqmed.infer.SlidingWindowInferer;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.io.StateDicts;
import dev.freqmed.model.ModelRegistry;
import dev.freqmed.model.TaskAdapter;
import dev.freqmed.train.AdaXwOptimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class FsaNetTaskTest {

    @Test
    @Tag("slow")
    void tinyNetworkLossFallsOnDriveSamples() throws Exception {
        FsaNetConfig c = FsaNetConfig.tiny();
        TaskAdapter task = ModelRegistry.get("fsanet").buildTask(c);
        SampleSource src = task.openData(ReferenceFixture.TESTDATA.resolve("drive"), "train");
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < src.size(); i++) {
            batch.add(task.prepare(src.get(i), null, new Random(1)));
        }
        Engine.getInstance().setRandomSeed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            FsaNet net = new FsaNet(c);
            net.initialize(m, DataType.FLOAT32, task.inputShape());
            Map<String, Parameter> params = StateDicts.parameters(net);
            for (Parameter p : params.values()) {
                if (p.requiresGradient()) {
                    p.getArray().setRequiresGradient(true);
                }
            }
            AdaXwOptimizer opt = AdaXwOptimizer.builder().optDecoupledWeightDecay(1e-4f)
                    .optClamp(0.5f).build();
            ParameterStore ps = new ParameterStore(m, false);
            List<Float> losses = new ArrayList<>();
            for (int step = 0; step < 8; step++) {
                try (NDManager sub = m.newSubManager()) {
                    NDList in = task.inputs(sub, batch);
                    NDList labels = task.labels(sub, batch);
                    assertEquals(new Shape(3, 3, 64, 64), in.head().getShape());
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = task.loss(net.forward(ps, in, true), labels);
                        losses.add(loss.getFloat());
                        gc.backward(loss);
                    }
                    opt.update(params, 1e-3);
                }
            }
            float first = (losses.get(0) + losses.get(1)) / 2;
            float last = (losses.get(6) + losses.get(7)) / 2;
            assertTrue(Float.isFinite(last) && last < 0.9f * first,
                    "loss did not fall: " + losses);
        }
    }

    @Test
    void multiScaleSidesFollowTheReferenceRounding() {
        assertEquals(List.of(544, 736, 928), FsaNetConfig.paper().trainingSides());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange(16f).reshape(1, 1, 4, 4).repeat(1, 3);
            NDArray y = m.arange(16f).reshape(1, 1, 4, 4).div(15f);
            NDList[] r = FsaNetMultiScaleStep.rescale(new NDList(x), new NDList(y), 7);
            assertEquals(new Shape(1, 3, 7, 7), r[0].head().getShape());
            assertEquals(new Shape(1, 1, 7, 7), r[1].head().getShape());
            // align_corners=True keeps the corner values.
            assertEquals(15f, r[0].head().getFloat(0, 0, 6, 6), 1e-5);
            assertEquals(1f, r[1].head().getFloat(0, 0, 6, 6), 1e-6);
            // Exact at the middle: value at (1.5, 1.5) of a 4x4 ramp = 1.5*4 + 1.5.
            assertEquals(7.5f, r[0].head().getFloat(0, 1, 3, 3), 1e-5);
        }
    }

    @Test
    void sizesOffTheGridAreRoundedOrRefusedInStrictMode() {
        FsaNetConfig t = FsaNetConfig.tiny();
        FsaNetConfig loose = new FsaNetConfig(t.widthDivisor(), t.pvtDepths(), t.resnetDepths(),
                t.neckChannels(), t.radius(), t.dropPathRate(), 100, 1000, t.scaleRates(),
                t.weightedBce(), false);
        assertEquals(96, loose.trainSide());
        assertEquals(992, loose.testSide());
        assertEquals(352, new FsaNetTask(t).withInferenceSize(350).config().testSide());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FsaNetConfig(t.widthDivisor(), t.pvtDepths(), t.resnetDepths(),
                        t.neckChannels(), t.radius(), t.dropPathRate(), 100, 64,
                        t.scaleRates(), t.weightedBce(), true));
        assertTrue(e.getMessage().contains("trainSize") && e.getMessage().contains("100"),
                e.getMessage());
    }

    @Test
    void predictionIsMinMaxNormalisedAtTheOriginalSize() {
        FsaNetConfig c = FsaNetConfig.tiny();
        FsaNetTask task = new FsaNetTask(c);
        Engine.getInstance().setRandomSeed(5);
        try (NDManager m = NDManager.newBaseManager()) {
            FsaNet net = new FsaNet(c);
            net.initialize(m, DataType.FLOAT32, task.inputShape());
            float[] px = new float[3 * 50 * 70];
            Random r = new Random(2);
            for (int i = 0; i < px.length; i++) {
                px[i] = r.nextInt(256);
            }
            FloatImage img = new FloatImage(3, 50, 70, px);
            PreparedImage prepared = task.preprocess(img);
            FloatImage out = task.postprocess(m, SlidingWindowInferer.whole().run(m, net, task,
                    prepared.input()), prepared).get(PredictionOutput.PROBABILITY);
            assertEquals(1, out.channels());
            assertEquals(50, out.height());
            assertEquals(70, out.width());
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (float f : out.data()) {
                min = Math.min(min, f);
                max = Math.max(max, f);
            }
            assertEquals(0f, min, 1e-6);
            assertEquals(1f, max, 1e-5);
        }
        assertEquals(128, FsaNetTask.toByte(0.5f));
        assertEquals(255, FsaNetTask.toByte(1f));
        assertEquals(0, FsaNetTask.toByte(-0.1f));
    }
}
