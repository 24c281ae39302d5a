package dev.freqmed.model.frcunet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.freqmed.io.StateDicts;
import dev.freqmed.model.frcunet.FrcuNetKerasNames.Layout;
import dev.freqmed.model.frcunet.FrcuNetKerasNames.Weight;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Keras name table against spec §6 and against the network's own parameter keys. */
class FrcuNetKerasNamesTest {

    @Test
    void paperTableHasTheSpecCounts() {
        List<Weight> t = FrcuNetKerasNames.table(FrcuNetConfig.paper());
        assertEquals(709, t.size());
        Set<String> layers = new LinkedHashSet<>();
        long total = 0;
        int bnLayers = 0;
        int depthwise = 0;
        int kernels = 0;
        int biases = 0;
        for (Weight w : t) {
            layers.add(w.layer());
            long n = 1;
            for (long d : w.kerasShape()) {
                n *= d;
            }
            total += n;
            switch (w.weight()) {
                case "gamma" -> bnLayers++;
                case "depthwise_kernel" -> depthwise++;
                case "kernel" -> kernels++;
                case "bias" -> biases++;
                default -> { }
            }
        }
        // Spec §6.2 and §6.4.
        assertEquals(292, layers.size());
        assertEquals(134, bnLayers);
        assertEquals(67, depthwise);
        assertEquals(91, kernels);
        assertEquals(15, biases);
        assertEquals(68_840_741L, total);
        Weight fusion = t.stream().filter(w -> w.layer().equals("conv3d_1")).findFirst()
                .orElseThrow();
        assertArrayEquals(new long[] {256, 1280, 1, 1}, fusion.torchShape());
        assertEquals(Layout.CONV3D_AS_CONV2D, fusion.layout());
    }

    @Test
    void everyNetworkParameterHasExactlyOneKerasWeight() {
        FrcuNetConfig cfg = FrcuNetConfig.tiny().withInputSize(32);
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(cfg, new Random(1));
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            Map<String, Parameter> params = StateDicts.parameters(net);
            List<Weight> t = FrcuNetKerasNames.table(cfg);
            assertEquals(params.size(), t.size());
            for (Weight w : t) {
                Parameter p = params.get(w.key());
                assertTrue(p != null, "no parameter " + w.key() + " for " + w.kerasName());
                assertArrayEquals(p.getArray().getShape().getShape(), w.torchShape(), w.key());
            }
        }
    }

    @Test
    void offsetAutoNamesResolveByCreationOrder() {
        List<Weight> t = FrcuNetKerasNames.table(FrcuNetConfig.tiny());
        // A checkpoint of the training script: a model was built before, so conv2d_16..30 etc.
        Map<String, Integer> offsets = Map.of("conv2d", 15, "dense", 3, "depthwise_conv2d", 4,
                "conv3d", 1);
        Pattern auto = Pattern.compile("^(depthwise_conv2d|dense|conv3d|conv2d)_(\\d+)$");
        Map<String, long[]> file = new LinkedHashMap<>();
        for (Weight w : t) {
            Matcher mm = auto.matcher(w.layer());
            String layer = mm.matches()
                    ? mm.group(1) + "_" + (Integer.parseInt(mm.group(2)) + offsets.get(mm.group(1)))
                    : w.layer();
            file.put("model_weights/" + layer + "/" + layer + "/" + w.weight() + ":0",
                    w.kerasShape());
        }
        Map<Weight, String> r = FrcuNetKerasNames.resolve(t, file);
        assertEquals(t.size(), r.size());
        Weight conv3 = t.stream().filter(w -> w.kerasName().equals("conv2d_3/kernel"))
                .findFirst().orElseThrow();
        assertEquals("model_weights/conv2d_18/conv2d_18/kernel:0", r.get(conv3));
        assertEquals("conv2d_3.weight", conv3.key());
        Weight dense1 = t.stream().filter(w -> w.layer().equals("dense_1")).findFirst()
                .orElseThrow();
        assertEquals("model_weights/dense_4/dense_4/kernel:0", r.get(dense1));
        Weight g4 = t.stream().filter(w -> w.layer().equals("depthwise_conv2d_4")).findFirst()
                .orElseThrow();
        assertEquals("model_weights/depthwise_conv2d_8/depthwise_conv2d_8/depthwise_kernel:0",
                r.get(g4));
        assertEquals("frc.band_stack.gaussian_4", g4.key());
        // conv2d_10 must sort after conv2d_9 numerically, not as text.
        Weight conv10 = t.stream().filter(w -> w.kerasName().equals("conv2d_10/bias"))
                .findFirst().orElseThrow();
        assertEquals("model_weights/conv2d_25/conv2d_25/bias:0", r.get(conv10));
    }

    @Test
    void mismatchesAreNamed() {
        List<Weight> t = FrcuNetKerasNames.table(FrcuNetConfig.tiny());
        Map<String, long[]> file = new LinkedHashMap<>();
        for (Weight w : t) {
            file.put(w.kerasName() + ":0", w.kerasShape());
        }
        Map<String, long[]> wrongShape = new LinkedHashMap<>(file);
        wrongShape.put("aspp0bb/kernel:0", new long[] {3, 3, 1, 1});
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class,
                () -> FrcuNetKerasNames.resolve(t, wrongShape));
        assertTrue(e1.getMessage().contains("aspp0bb/kernel has shape [3, 3, 1, 1]"),
                e1.getMessage());
        Map<String, long[]> missing = new LinkedHashMap<>(file);
        missing.remove("aspp0_BN/gamma:0");
        missing.put("extra_layer/kernel:0", new long[] {1});
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> FrcuNetKerasNames.resolve(t, missing));
        assertTrue(e2.getMessage().contains("missing aspp0_BN/gamma"), e2.getMessage());
        assertTrue(e2.getMessage().contains("unexpected extra_layer/kernel"), e2.getMessage());
        Map<String, long[]> extraConv = new LinkedHashMap<>(file);
        extraConv.put("conv2d_99/kernel:0", new long[] {1, 1, 1, 1});
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> FrcuNetKerasNames.resolve(t, extraConv));
        assertTrue(e3.getMessage().contains("16 auto-named conv2d_N"), e3.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FrcuNetKerasNames.table(
                FrcuNetConfig.tiny().withVariant(FrcuNetConfig.Variant.UNET)));
    }
}
