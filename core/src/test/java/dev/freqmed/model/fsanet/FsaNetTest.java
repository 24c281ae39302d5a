package dev.freqmed.model.fsanet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.engine.Engine;
import dev.freqmed.backbone.ReferenceFixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.freqmed.io.StateDicts;
import org.junit.jupiter.api.Test;

class FsaNetTest {

    @Test
    void paperNetworkHoldsEveryReferenceKeyWithItsShape() throws Exception {
        Map<String, String> ref = new LinkedHashMap<>();
        for (String line : Files.readAllLines(
                ReferenceFixture.TESTDATA.resolve("fsanet/reference-keys.txt"))) {
            String[] kv = line.split(" ");
            ref.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        assertEquals(1133, ref.size());
        try (NDManager m = NDManager.newBaseManager()) {
            FsaNet net = new FsaNet(FsaNetConfig.paper());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 352, 352));
            Map<String, Parameter> params = StateDicts.parameters(net);
            List<String> buffers = ReferenceFixture.batchNormCounters(net);
            assertEquals(124, buffers.size());
            Map<String, String> mine = new LinkedHashMap<>();
            long trainable = 0;
            long backbone = 0;
            long resnet = 0;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                Shape s = e.getValue().getArray().getShape();
                List<String> dims = new ArrayList<>();
                for (long d : s.getShape()) {
                    dims.add(Long.toString(d));
                }
                mine.put(e.getKey(), String.join("x", dims));
                if (!e.getKey().contains(".running_")) {
                    trainable += s.size();
                    backbone += e.getKey().startsWith("backbone.") ? s.size() : 0;
                    resnet += e.getKey().startsWith("resnet_f.") ? s.size() : 0;
                }
            }
            for (String b : buffers) {
                mine.put(b, "");
            }
            assertEquals(ref, mine);
            // Spec §6.3 totals.
            assertEquals(109_194_130L, trainable);
            assertEquals(24_849_856L, backbone);
            assertEquals(23_501_760L, resnet);
        }
    }

    @Test
    void tinyShapeTraceAndFiniteForwardBackward() {
        Engine.getInstance().setRandomSeed(7);
        try (NDManager m = NDManager.newBaseManager()) {
            FsaNet net = new FsaNet(FsaNetConfig.tiny());
            net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList out = net.forward(ps, new NDList(x), true);
                assertEquals(5, out.size());
                for (int i = 0; i < 5; i++) {
                    assertEquals(new Shape(2, 1, 64, 64), out.get(i).getShape());
                    assertEquals(FsaNet.OUTPUTS.get(i), out.get(i).getName());
                    assertTrue(finite(out.get(i)), FsaNet.OUTPUTS.get(i) + " not finite");
                }
                NDArray loss = new FsaNetLoss().evaluate(
                        new NDList(m.randomUniform(0, 1, new Shape(2, 1, 64, 64))), out);
                gc.backward(loss);
            }
            Map<String, Parameter> p = StateDicts.parameters(net);
            int withGrad = 0;
            for (Map.Entry<String, Parameter> e : p.entrySet()) {
                NDArray a = e.getValue().getArray();
                if (a.hasGradient()) {
                    assertTrue(finite(a.getGradient()), e.getKey() + " gradient not finite");
                    withGrad++;
                }
            }
            // Every trainable parameter except the unused conv_up2..4 and sff.bn_out receives a
            // gradient (frequency.radius, like the running statistics, requires none).
            NDArray g = p.get("backbone.patch_embed1.proj.weight").getArray().getGradient();
            assertTrue(g.abs().sum().getFloat() > 0);
            NDArray gf = p.get("resnet_f.conv1.weight").getArray().getGradient();
            assertTrue(gf.abs().sum().getFloat() > 0);
            assertTrue(withGrad > 0);
        }
    }

    /** Spec §2.9 at the tiny config (widths / 8, neck 16) and a 64×96 input. */
    @Test
    void tinyConfigFollowsTheSpecShapeTrace() {
        try (NDManager m = NDManager.newBaseManager()) {
            FsaNet net = new FsaNet(FsaNetConfig.tiny());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 96));
            Map<String, Shape> t = new LinkedHashMap<>();
            net.traceShapes(t);
            net.forward(new ParameterStore(m, false),
                    new NDList(m.randomNormal(new Shape(1, 3, 64, 96))), false);
            long[][] grid = {{16, 24}, {8, 12}, {4, 6}, {2, 3}};
            long[] x = {8, 16, 40, 64};
            long[] y = {32, 64, 128, 256};
            for (int i = 0; i < 4; i++) {
                assertEquals(new Shape(1, x[i], grid[i][0], grid[i][1]), t.get("X" + (i + 1)));
                assertEquals(new Shape(1, y[i], grid[i][0], grid[i][1]), t.get("Y" + (i + 1)));
                assertEquals(new Shape(1, 16, grid[i][0], grid[i][1]), t.get("rfb" + (i + 1)));
                assertEquals(new Shape(1, 1, 64, 96), t.get("P" + (i + 1)));
            }
            assertEquals(new Shape(1, 1, 64, 96), t.get("freq"));
            // Paper widths 512/1280/2048/2816/3840/4864, divided by 8.
            assertEquals(new Shape(1, 64, 8, 12), t.get("x21"));
            assertEquals(new Shape(1, 160, 4, 6), t.get("x31"));
            assertEquals(new Shape(1, 256, 2, 3), t.get("x41"));
            assertEquals(new Shape(1, 352, 4, 6), t.get("x32"));
            assertEquals(new Shape(1, 480, 2, 3), t.get("x42"));
            assertEquals(new Shape(1, 608, 2, 3), t.get("x43"));
            assertEquals(new Shape(1, 16, 4, 6), t.get("out43"));
            assertEquals(new Shape(1, 16, 8, 12), t.get("out432"));
            assertEquals(new Shape(1, 16, 16, 24), t.get("out4321"));
        }
    }

    @Test
    void refusesSizesThatAreNotMultiplesOf32() {
        try (NDManager m = NDManager.newBaseManager()) {
            FsaNet net = new FsaNet(FsaNetConfig.tiny());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.forward(new ParameterStore(m, false),
                            new NDList(m.zeros(new Shape(1, 3, 60, 64))), false));
            assertTrue(e.getMessage().contains("multiples of 32"), e.getMessage());
        }
    }

    @Test
    void parametersRoundTrip() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            FsaNet a = new FsaNet(FsaNetConfig.tiny());
            a.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            a.saveParameters(new DataOutputStream(bytes));
            FsaNet b = new FsaNet(FsaNetConfig.tiny());
            b.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            Map<String, Parameter> pa = StateDicts.parameters(a);
            Map<String, Parameter> pb = StateDicts.parameters(b);
            String key = "backbone.patch_embed1.proj.weight";
            assertTrue(pa.get(key).getArray().sub(pb.get(key).getArray()).abs().max()
                    .getFloat() > 0, "the two networks must differ before loading");
            b.loadParameters(m, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
            for (Map.Entry<String, Parameter> e : pa.entrySet()) {
                assertEquals(0f, e.getValue().getArray().sub(pb.get(e.getKey()).getArray()).abs()
                        .max().getFloat(), 0f, e.getKey());
            }
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            NDList ya = a.forward(new ParameterStore(m, false), new NDList(x), false);
            NDList yb = b.forward(new ParameterStore(m, false), new NDList(x), false);
            // Equal weights give equal outputs up to the summation order BLAS and oneDNN pick for
            // differently aligned buffers (not always bit-identical off the engine's own path).
            for (int i = 0; i < 5; i++) {
                assertEquals(0f, ya.get(i).sub(yb.get(i)).abs().max().getFloat(), 1e-4f);
            }
        }
    }

    @Test
    void forwardFreesBlockTemporaries() {
        try (NDManager m = NDManager.newBaseManager()) {
            FsaNet net = new FsaNet(FsaNetConfig.tiny());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            try (NDManager sub = m.newSubManager()) {
                NDArray x = sub.randomNormal(new Shape(1, 3, 64, 64));
                net.forward(new ParameterStore(sub, false), new NDList(x), false);
                // Only the kept feature maps of the top level remain (about 60 arrays); without
                // the per-block scopes thousands of temporaries would live until the end.
                int live = sub.getManagedArrays().size();
                assertTrue(live < 200, live + " arrays alive after one forward pass");
            }
        }
    }

    static boolean finite(NDArray a) {
        return a.isNaN().logicalOr(a.isInfinite()).sum().getLong() == 0;
    }
}
