package dev.freqmed.model.frcunet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import dev.freqmed.model.ModelRegistry;
import dev.freqmed.model.TaskAdapter;
import dev.freqmed.backbone.Xception65Encoder;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.StateDicts;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Shape trace, parameter count, forward/backward and input checks of {@link FrcuNet}. */
class FrcuNetTest {

    @Test
    @Tag("slow")
    void paperConfigHasTheSpecParameterCount() {
        // Spec §6.4: 68,840,741 including BN moving statistics and the frozen Gaussian kernels.
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(FrcuNetConfig.paper());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 256, 256));
            // Spec §2.8 encoder trace at 256×256 (from the shape arithmetic, no forward pass).
            Xception65Encoder enc = (Xception65Encoder) net.getChildren().get("01encoder");
            Shape[] e = enc.getOutputShapes(new Shape[] {new Shape(1, 3, 256, 256)});
            assertEquals(new Shape(1, 2048, 16, 16), e[0]);
            assertEquals(new Shape(1, 64, 128, 128), e[1]);
            assertEquals(new Shape(1, 128, 64, 64), e[2]);
            assertEquals(new Shape(1, 256, 32, 32), e[3]);
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

    @Test
    void allVariantsBuildAndRunThroughTheRegistry() {
        ModelRegistry.Entry<?> entry = ModelRegistry.get("frcunet");
        FrcuNetConfig tiny = (FrcuNetConfig) entry.preset("tiny");
        long[] counts = new long[3];
        for (FrcuNetConfig.Variant v : FrcuNetConfig.Variant.values()) {
            FrcuNetConfig cfg = tiny.withVariant(v).withInputSize(32);
            try (NDManager m = NDManager.newBaseManager()) {
                FrcuNet net = (FrcuNet) entry.buildNetwork(cfg);
                TaskAdapter task = entry.buildTask(cfg);
                assertEquals(new Shape(1, 3, 32, 32), task.inputShape());
                net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 32, 32));
                for (Pair<String, Parameter> p : net.getParameters()) {
                    counts[v.ordinal()] += p.getValue().getArray().size();
                }
                NDList out = net.forward(new ParameterStore(m, false),
                        new NDList(m.randomUniform(0f, 255f, new Shape(2, 3, 32, 32))), false);
                NDArray p = out.get(0);
                assertEquals(new Shape(2, 1, 32, 32), p.getShape());
                assertTrue(p.gte(0f).all().getBoolean() && p.lte(1f).all().getBoolean(), v.name());
                NDArray loss = task.loss(out, new NDList(m.zeros(new Shape(2, 1, 32, 32))));
                assertTrue(Float.isFinite(loss.getFloat()), v.name());
                boolean hasFrc = net.getChildren().keys().stream().anyMatch(k -> k.endsWith("frc"));
                assertEquals(v == FrcuNetConfig.Variant.FRCUNET, hasFrc, v.name());
            }
        }
        // The only difference between FRCUNET and NO_FRC is the FRC block; at width 1/8
        // (C = 32, hidden 8) it holds 3 dense layers (32·32 + 32·8 + 8·32), the 160→32 fusion
        // and 4 frozen Gaussian kernel stacks (9 + 25 + 49 + 81)·32.
        long frc = 32 * 32 + 32 * 8 + 8 * 32 + 160 * 32 + 164 * 32;
        assertEquals(frc, counts[0] - counts[1]);
    }

    @Test
    void sameSeedGivesSameNetwork() {
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet a = new FrcuNet(FrcuNetConfig.tiny(), new java.util.Random(11));
            FrcuNet b = new FrcuNet(FrcuNetConfig.tiny(), new java.util.Random(11));
            a.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            b.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            var pa = a.getParameters();
            var pb = b.getParameters();
            for (int i = 0; i < pa.size(); i++) {
                assertTrue(pa.get(i).getValue().getArray()
                        .contentEquals(pb.get(i).getValue().getArray()), pa.get(i).getKey());
            }
        }
    }

    @Test
    void configValidationNamesTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FrcuNetConfig(100, 1, 16, FrcuNetConfig.Variant.FRCUNET, 0.1, 0.99, 32,
                        1, 0));
        assertTrue(e.getMessage().contains("inputSize") && e.getMessage().contains("100"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new FrcuNetConfig(64, 0, 1, FrcuNetConfig.Variant.FRCUNET, 0.1, 0.99, 32,
                        1, 0));
        assertTrue(e.getMessage().contains("widthMultiplier"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new FrcuNetConfig(64, 1, 1, null, 0.1, 0.99, 32, 1, 0));
        assertTrue(e.getMessage().contains("variant"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new FrcuNetConfig(64, 1, 1, FrcuNetConfig.Variant.UNET, 1.0, 0.99, 32, 1, 0));
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new FrcuNetConfig(64, 1, 1, FrcuNetConfig.Variant.UNET, 0.1, 0.99, 32, 0, 0));
        assertTrue(e.getMessage().contains("bceWeight/diceWeight"), e.getMessage());
        FrcuNetConfig cpu = FrcuNetConfig.cpu();
        assertEquals(128, cpu.inputSize());
        assertEquals(0.25, cpu.widthMultiplier());
        assertEquals(4, cpu.middleBlocks());
    }

    @Test
    void stateDictRoundTripReproducesTheOutput() {
        FrcuNetConfig cfg = FrcuNetConfig.tiny().withInputSize(32);
        Shape in = new Shape(1, 3, 32, 32);
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet a = new FrcuNet(cfg, new java.util.Random(1));
            FrcuNet b = new FrcuNet(cfg, new java.util.Random(2));
            a.initialize(m, DataType.FLOAT32, in);
            b.initialize(m, DataType.FLOAT32, in);
            NDArray x = m.randomUniform(0f, 255f, in);
            ParameterStore ps = new ParameterStore(m, false);
            // One training step moves a's BatchNorm statistics away from their initial values.
            a.forward(ps, new NDList(x), true);
            NDArray ya = a.forward(ps, new NDList(x), false).get(0);
            NDArray yb = b.forward(ps, new NDList(x), false).get(0);
            assertTrue(!ya.allClose(yb, 1e-6, 1e-7, false));
            StateDicts.load(b, StateDicts.hostTensors(a), LoadOptions.strictDefaults());
            NDArray yb2 = b.forward(ps, new NDList(x), false).get(0);
            assertTrue(ya.allClose(yb2, 0, 0, false));
        }
    }

    @Test
    void upsampleIsNearestNeighbourNotTiling() {
        // Keras UpSampling2D(2): each pixel becomes a 2×2 block.
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange(4f).reshape(1, 1, 2, 2);
            float[] y = FrcuNet.upsample(x).toFloatArray();
            assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}, y,
                    0f);
        }
    }
}
