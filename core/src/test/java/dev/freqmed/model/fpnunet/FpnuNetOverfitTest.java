package dev.freqmed.model.fpnunet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freqmed.backbone.VitEncoderConfig;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.io.StateDicts;
import dev.freqmed.train.AdamOptimizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Spec §11.2 (v): the reduced network overfits four real CoNSeP patches (NP Dice > 0.9). */
class FpnuNetOverfitTest {

    @Test
    @Tag("slow")
    void overfitsFourPatches() throws Exception {
        FpnuNetConfig t = FpnuNetConfig.tiny();
        FpnuNetConfig cfg = new FpnuNetConfig(32,
                new VitEncoderConfig(32, 2, 2, 64, 8, 4, 2, List.of(1), 1, List.of(), 8, 0),
                new VitEncoderConfig(64, 3, 2, 128, 8, 4, 0, List.of(), 2, List.of(0, 1, 2), 8,
                        0),
                t.fusionChannels(), t.pixelChannels(), t.pixelInter(), t.headChannels(),
                t.attentionHeads(), t.promptLength(), t.numTypes(), t.highPassRate(), 0,
                t.classWeights(), t.boundaryWeight(), t.minHvArea(), 8, 32, 0, false, 0,
                FpnuNetConfig.PIXEL_MINUS_ONE, false, FpnuNetConfig.COLOR_STEM_OFF,
                FpnuNetConfig.STAIN_HE, null);
        FpnuNetTask task = new FpnuNetTask(cfg);
        SampleSource patches = task.openData(Path.of("..", "testdata", "consep"), "train");
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < patches.size() && batch.size() < 4; i++) {
            Sample s = task.prepare(patches.get(i), null, new Random(0));
            float fg = 0;
            for (float v : s.get(FpnuNetTask.NP).data()) {
                fg += v;
            }
            if (fg > 0.15f * 32 * 32) {
                batch.add(s);
            }
        }
        assertTrue(batch.size() == 4, "found " + batch.size() + " patches with nuclei");
        Engine.getInstance().setRandomSeed(7);
        double dice = 0;
        int steps = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            FpnuNet net = new FpnuNet(cfg);
            net.initialize(m, DataType.FLOAT32, task.inputShape());
            Map<String, Parameter> params = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : StateDicts.parameters(net).entrySet()) {
                if (e.getValue().requiresGradient()) {
                    e.getValue().getArray().setRequiresGradient(true);
                    params.put(e.getKey(), e.getValue());
                }
            }
            AdamOptimizer adam = new AdamOptimizer(m, 0.9, 0.999, 1e-8, 0.0, true);
            ParameterStore ps = new ParameterStore(m, false);
            while (steps < 400 && dice <= 0.9) {
                try (NDManager sub = m.newSubManager()) {
                    NDList in = task.inputs(sub, batch);
                    NDList labels = task.labels(sub, batch);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = task.loss(net.forward(ps, in, true), labels);
                        gc.backward(loss);
                    }
                    adam.update(params, 2e-3);
                    steps++;
                    if (steps % 25 == 0) {
                        dice = npDice(net.forward(ps, in, false).get(0), labels.get(0));
                    }
                }
            }
        }
        assertTrue(dice > 0.9, "NP Dice " + dice + " after " + steps + " steps");
    }

    private static double npDice(NDArray logits, NDArray truth) {
        float[] z = logits.toFloatArray();
        float[] t = truth.toFloatArray();
        long inter = 0;
        long sum = 0;
        for (int i = 0; i < z.length; i++) {
            boolean p = z[i] > 0;
            boolean g = t[i] > 0.5f;
            inter += p && g ? 1 : 0;
            sum += (p ? 1 : 0) + (g ? 1 : 0);
        }
        return 2.0 * inter / sum;
    }
}
