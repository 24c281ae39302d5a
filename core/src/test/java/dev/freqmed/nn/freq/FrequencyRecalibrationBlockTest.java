package dev.freqmed.nn.freq;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import ai.djl.util.Pair;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Band order, attention and gradient flow of {@link FrequencyRecalibrationBlock}. */
class FrequencyRecalibrationBlockTest {

    private static final int C = 4;

    @Test
    void fusionWeightIndexesBandsTimesChannels() {
        // With zero MLP weights every attention is sigmoid(0) = 1/2; a one-hot fusion row
        // [o, l·C + c] must then select band l, channel c: F[o] = ReLU(L_l[c] / 2).
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            FrequencyRecalibrationBlock frc = new FrequencyRecalibrationBlock(C, 2, new Random(1));
            Shape shape = new Shape(1, C, 8, 8);
            frc.initialize(m, DataType.FLOAT32, shape);
            for (String fc : new String[] {"attention_fc0", "attention_fc1", "attention_fc2"}) {
                frc.getChildren().get(childKey(frc, fc)).getParameters().get("weight").getArray()
                        .muli(0);
            }
            int band = 3;
            int channel = 2;
            float[] w = new float[C * 5 * C];
            w[band * C + channel] = 1f; // output channel 0
            w[(1 * 5 * C) + channel] = 1f; // output channel 1 <- band 0 (X itself)
            NDArray fw = frc.getChildren().get(childKey(frc, "fusion")).getParameters()
                    .get("weight").getArray();
            fw.set(m.create(w, fw.getShape()).toFloatArray());
            NDArray x = m.randomNormal(shape);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray out = frc.forward(ps, new NDList(x), false).singletonOrThrow();
            NDList bands = frc.bandStack().forward(ps, new NDList(x), false);
            NDArray expect0 = bands.get(band).get(":, " + channel).mul(0.5f).maximum(0f);
            NDArray expect1 = x.get(":, " + channel).mul(0.5f).maximum(0f);
            assertTrue(out.get(":, 0").allClose(expect0, 1e-5, 1e-6, false));
            assertTrue(out.get(":, 1").allClose(expect1, 1e-5, 1e-6, false));
            assertEquals(0f, out.get(":, 2").abs().sum().getFloat(), 0f);
        }
    }

    @Test
    void gradientReachesMlpAndFusionButNotTheGaussians() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            FrequencyRecalibrationBlock frc = new FrequencyRecalibrationBlock(C, 2, new Random(1));
            Shape shape = new Shape(2, C, 8, 8);
            frc.initialize(m, DataType.FLOAT32, shape);
            // Positive MLP weights and a positive input keep every ReLU active, so each weight
            // gets a gradient.
            for (String fc : new String[] {"attention_fc0", "attention_fc1", "attention_fc2"}) {
                NDArray w = frc.getChildren().get(childKey(frc, fc)).getParameters().get("weight")
                        .getArray();
                w.set(w.abs().toFloatArray());
            }
            // Even a caller that unfreezes everything must not train the Gaussians.
            frc.freezeParameters(false);
            NDArray x = m.randomUniform(1f, 2f, shape);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = frc.forward(new ParameterStore(m, false), new NDList(x), true)
                        .singletonOrThrow();
                gc.backward(y.mul(y).sum());
            }
            int checked = 0;
            for (Pair<String, Parameter> p : frc.getParameters()) {
                NDArray g = p.getValue().getArray().getGradient();
                float norm = g.abs().sum().getFloat();
                if (p.getKey().contains("gaussian")) {
                    assertEquals(0f, norm, 0f, p.getKey());
                } else {
                    assertTrue(norm > 0 && Float.isFinite(norm), p.getKey() + " grad " + norm);
                }
                checked++;
            }
            assertEquals(8, checked);
            assertTrue(x.getGradient().abs().sum().getFloat() > 0);
        }
    }

    private static String childKey(FrequencyRecalibrationBlock b, String name) {
        for (String k : b.getChildren().keys()) {
            if (k.substring(2).equals(name)) {
                return k;
            }
        }
        throw new AssertionError("no child " + name);
    }
}
