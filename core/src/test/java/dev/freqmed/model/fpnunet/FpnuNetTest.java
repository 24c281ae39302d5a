package dev.freqmed.model.fpnunet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.freqmed.io.StateDicts;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FpnuNetTest {

    /** Spec §4.3 / §4.4 shape trace of the neck and skip necks at paper widths, random inputs. */
    @Test
    void paperNeckShapeTrace() {
        try (NDManager m = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            FusionNeckBlock neck = new FusionNeckBlock(768, 1024, 256, 16, 64);
            neck.initialize(m, DataType.FLOAT32, new Shape(2, 3, 128, 128));
            NDList z = neck.forward(ps, new NDList(m.randomUniform(-1, 254,
                    new Shape(2, 3, 128, 128)), m.randomNormal(new Shape(2, 768, 16, 16)),
                    m.randomNormal(new Shape(2, 1024, 16, 16))), false);
            assertEquals(new Shape(2, 256, 16, 16), z.head().getShape());
            dev.freqmed.nn.freq.PfaeBlock skip2 = new dev.freqmed.nn.freq.PfaeBlock(64, 64, 64,
                    2, 8);
            skip2.initialize(m, DataType.FLOAT32, new Shape(2, 64, 64, 64));
            assertEquals(32, skip2.width());
            assertEquals(4, skip2.heads());
            assertEquals(new Shape(2, 64, 64, 64), skip2.forward(ps, new NDList(
                    m.randomNormal(new Shape(2, 64, 64, 64))), false).head().getShape());
            dev.freqmed.nn.freq.PfaeBlock fusion = new dev.freqmed.nn.freq.PfaeBlock(288, 288,
                    256, 3, 16);
            assertEquals(144, fusion.width());
            assertEquals(2, fusion.heads());
        }
    }

    @Test
    void tinyShapeTrace() {
        FpnuNetConfig cfg = FpnuNetConfig.tiny();
        try (NDManager m = NDManager.newBaseManager()) {
            FpnuNet net = new FpnuNet(cfg);
            Shape in = new Shape(2, 3, 64, 48);
            net.initialize(m, DataType.FLOAT32, in);
            NDList out = net.forward(new ParameterStore(m, false),
                    new NDList(m.randomUniform(-1, 254, in)), false);
            assertEquals(new Shape(2, 1, 64, 48), out.get(0).getShape());
            assertEquals(new Shape(2, 1, 64, 48), out.get(1).getShape());
            assertEquals(new Shape(2, 2, 64, 48), out.get(2).getShape());
            assertEquals(new Shape(2, 5, 64, 48), out.get(3).getShape());
            Map<String, Parameter> p = StateDicts.parameters(net);
            long total = 0;
            for (Map.Entry<String, Parameter> e : p.entrySet()) {
                total += e.getValue().getArray().size();
            }
            System.out.println("tiny parameters " + total + " tensors " + p.size());
            for (NDArray o : out) {
                assertTrue(Float.isFinite(o.sum().getFloat()));
            }
        }
    }

    /**
     * With the pixel skip, the last stage of all three decoders takes k2' and the neck's
     * full-resolution MS map; without it (as released) k2' alone.
     */
    @Test
    void pixelSkipWidensTheLastSkip() {
        FpnuNetConfig plain = FpnuNetConfig.tiny();
        FpnuNetConfig wide = plain.withPixelSkip(true);
        int k2 = plain.skipChannels()[2];
        assertEquals(k2, plain.decoderSkipChannels()[2]);
        assertEquals(k2 + plain.pixelChannels(), wide.decoderSkipChannels()[2]);
        try (NDManager m = NDManager.newBaseManager()) {
            FpnuNet net = new FpnuNet(wide);
            Shape in = new Shape(1, 3, 32, 40);
            net.initialize(m, DataType.FLOAT32, in);
            Map<String, Parameter> p = StateDicts.parameters(net);
            for (String key : new String[] {"binary_decoder.fusion_blocks.2.conv_skip.0.weight",
                "hv_decoder.final_fusion.conv_skip.0.weight",
                "type_decoder.final_fusion.skip_proj.0.weight"}) {
                assertTrue(p.containsKey(key), key);
                assertEquals(k2 + plain.pixelChannels(), p.get(key).getArray().getShape().get(1),
                        key);
            }
            NDList out = net.forward(new ParameterStore(m, false),
                    new NDList(m.randomUniform(-1, 254, in)), false);
            assertEquals(new Shape(1, 2, 32, 40), out.get(2).getShape());
            assertTrue(Float.isFinite(out.get(3).sum().getFloat()));
        }
    }

    /**
     * The colour stem sits in front of both encoders and the neck: at initialisation (both its
     * gates at 0) the network computes what the same network without it computes; once its
     * output gate opens, every output changes. Without the stem there is no {@code color_stem}
     * key.
     */
    @Test
    void colorStemStartsAsIdentityAndFeedsTheWholeNetwork() {
        FpnuNetConfig plain = FpnuNetConfig.tiny();
        FpnuNetConfig stem = plain.withColorStem(FpnuNetConfig.COLOR_STEM_RGB,
                FpnuNetConfig.STAIN_HE);
        Shape in = new Shape(2, 3, 32, 32);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomUniform(-1, 254, in);
            ai.djl.engine.Engine.getInstance().setRandomSeed(21);
            FpnuNet a = new FpnuNet(plain);
            a.initialize(m, DataType.FLOAT32, in);
            ai.djl.engine.Engine.getInstance().setRandomSeed(21);
            FpnuNet b = new FpnuNet(stem);
            b.initialize(m, DataType.FLOAT32, in);
            Map<String, Parameter> pa = StateDicts.parameters(a);
            Map<String, Parameter> pb = StateDicts.parameters(b);
            assertTrue(pa.keySet().stream().noneMatch(k -> k.startsWith("color_stem.")));
            assertTrue(pb.containsKey("color_stem.rgb_stem.3.weight"));
            assertTrue(pb.containsKey("color_stem.attn.q_proj.weight"));
            for (Map.Entry<String, Parameter> e : pa.entrySet()) {
                dev.freqmed.tensor.HostArrays.copyInto(pb.get(e.getKey()).getArray(),
                        e.getValue().getArray());
            }
            NDList oa = a.forward(new ParameterStore(m, false), new NDList(x), false);
            NDList ob = b.forward(new ParameterStore(m, false), new NDList(x), false);
            for (int i = 0; i < 4; i++) {
                assertEquals(0f, oa.get(i).sub(ob.get(i)).abs().max().getFloat(), 1e-5f,
                        "output " + i);
            }
            NDArray gamma = pb.get("color_stem.gamma").getArray();
            try (NDManager s = m.newSubManager()) {
                dev.freqmed.tensor.HostArrays.copyInto(gamma,
                        dev.freqmed.tensor.HostArrays.of(s, new float[] {0.5f}, new Shape(1)));
            }
            NDList oc = b.forward(new ParameterStore(m, false), new NDList(x), false);
            for (int i = 0; i < 4; i++) {
                assertTrue(oa.get(i).sub(oc.get(i)).abs().max().getFloat() > 1e-4f,
                        "output " + i + " ignores the stem");
            }
        }
    }
}
