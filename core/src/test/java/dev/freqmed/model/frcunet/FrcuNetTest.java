package dev.freqmed.model.frcunet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import ai.djl.util.Pair;
import dev.freqmed.backbone.Xception65Encoder;
import org.junit.jupiter.api.Test;

/** Shape trace, parameter count, forward/backward and input checks of {@link FrcuNet}. */
class FrcuNetTest {

    @Test
    void paperConfigHasTheSpecParameterCount() {
        // Spec §6.4: 68,840,741 including BN moving statistics and the frozen Gaussian kernels.
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(FrcuNetConfig.paper());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 256, 256));
            long total = 0;
            long trainable = 0;
            for (Pair<String, Parameter> p : net.getParameters()) {
                long n = p.getValue().getArray().size();
                total += n;
                if (p.getValue().requiresGradient()) {
                    trainable += n;
                }
            }
            assertEquals(68_840_741L, total);
            // Keras trainable 68,612,533 + BN moving statistics 186,224 (not gradient-trained
            // in either framework; DJL marks them as not requiring gradients).
            assertEquals(68_612_533L, trainable);
        }
    }

    @Test
    void tinyShapeTraceForwardAndBackward() {
        Engine.getInstance().setRandomSeed(7);
        FrcuNetConfig cfg = FrcuNetConfig.tiny();
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(cfg);
            Shape in = new Shape(2, 3, 64, 64);
            net.initialize(m, DataType.FLOAT32, in);
            Xception65Encoder enc = (Xception65Encoder) net.getChildren().get("01encoder");
            assertNotNull(enc);
            Shape[] e = enc.getOutputShapes(new Shape[] {in});
            // Spec §2.8 at 64×64 and width 1/8: E 2048/8 at H/16; x0, x1, x2 at H/2, H/4, H/8.
            assertEquals(new Shape(2, 256, 4, 4), e[0]);
            assertEquals(new Shape(2, 8, 32, 32), e[1]);
            assertEquals(new Shape(2, 16, 16, 16), e[2]);
            assertEquals(new Shape(2, 32, 8, 8), e[3]);

            NDArray x = m.randomUniform(0f, 255f, in);
            NDArray t = m.randomUniform(0f, 1f, new Shape(2, 1, 64, 64));
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList out = net.forward(ps, new NDList(x), true);
                NDList encOut = enc.forward(ps, new NDList(x), false);
                for (int i = 0; i < 4; i++) {
                    assertEquals(e[i], encOut.get(i).getShape());
                }
                assertEquals(new Shape(2, 1, 64, 64), out.get(0).getShape());
                assertEquals(new Shape(2, 1, 64, 64), out.get(1).getShape());
                assertEquals("PROBABILITY", out.get(0).getName());
                NDArray loss = FrcuNetLoss.of(cfg).evaluate(new NDList(t), out);
                assertTrue(Float.isFinite(loss.getFloat()));
                gc.backward(loss);
            }
            int withGrad = 0;
            for (Pair<String, Parameter> p : net.getParameters()) {
                NDArray a = p.getValue().getArray();
                if (p.getValue().requiresGradient()) {
                    NDArray g = a.getGradient();
                    assertTrue(g.isInfinite().logicalOr(g.isNaN()).none().getBoolean(),
                            p.getKey());
                    if (g.abs().sum().getFloat() > 0) {
                        withGrad++;
                    }
                }
            }
            assertTrue(withGrad > 100, "parameters with non-zero gradient: " + withGrad);
        }
    }

    @Test
    void inputNotMultipleOf16IsRejected() {
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(FrcuNetConfig.tiny());
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 72, 64 + 8)));
            assertTrue(ex.getMessage().contains("multiples of 16"), ex.getMessage());
            assertTrue(ex.getMessage().contains("72x72"), ex.getMessage());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            NDArray x = m.zeros(new Shape(1, 3, 40, 48));
            IllegalArgumentException ex2 = assertThrows(IllegalArgumentException.class,
                    () -> net.forward(new ParameterStore(m, false), new NDList(x), false));
            assertTrue(ex2.getMessage().contains("40x48"), ex2.getMessage());
        }
    }
}
