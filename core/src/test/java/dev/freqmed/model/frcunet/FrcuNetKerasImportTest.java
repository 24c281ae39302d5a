package dev.freqmed.model.frcunet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.WeightFiles;
import dev.freqmed.io.weights.WeightImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Loads {@code testdata/frcunet/keras_tiny.h5} (Keras 2.2 layout, FRCU-Net layer names with the
 * training script's auto-name offsets, random values; see the README there) into a narrow
 * FRCU-Net, checks every layout conversion of spec §6.1 on the loaded values, and compares the
 * forward pass with {@code forward_golden.json} from an independent PyTorch implementation.
 */
class FrcuNetKerasImportTest {

    /** The config the file was written for: every channel count is 8. */
    static final FrcuNetConfig CONFIG = new FrcuNetConfig(32, 0.004, 1,
            FrcuNetConfig.Variant.FRCUNET, 0.1, 0.9, 32, 1, 0);

    @Test
    void kerasFileLoadsWithEveryLayoutConversion() throws IOException {
        Checkpoint file = WeightFiles.read(fixture());
        Map<String, HostTensor> raw = file.stateDict();
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(CONFIG, new Random(3));
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            WeightImporter.load(net, file, LoadOptions.strictDefaults());
            Map<String, float[]> p = new java.util.HashMap<>();
            StateDicts.parameters(net).forEach((k, v) -> p.put(k, v.getArray().toFloatArray()));

            // Conv3D (1, 1, 5, C, O) -> 1x1 conv (O, 5C): W[o, l*C + c] = K[0, 0, l, c, o].
            float[] k3 = raw.get("conv3d_2/kernel:0").toFloatArray();
            float[] fusion = p.get("frc.fusion.weight");
            for (int o = 0; o < 8; o++) {
                for (int l = 0; l < 5; l++) {
                    for (int c = 0; c < 8; c++) {
                        assertEquals(k3[(l * 8 + c) * 8 + o], fusion[o * 40 + l * 8 + c], 0f);
                    }
                }
            }
            // Conv2D (kh, kw, in, out) -> (out, in, kh, kw); conv2d_18 is the table's conv2d_3.
            float[] k2 = raw.get("conv2d_18/kernel:0").toFloatArray();
            float[] up = p.get("conv2d_3.weight");
            for (int o = 0; o < 8; o++) {
                for (int i = 0; i < 8; i++) {
                    for (int y = 0; y < 2; y++) {
                        for (int x = 0; x < 2; x++) {
                            assertEquals(k2[((y * 2 + x) * 8 + i) * 8 + o],
                                    up[((o * 8 + i) * 2 + y) * 2 + x], 0f);
                        }
                    }
                }
            }
            // Dense (in, out) -> (out, in).
            float[] d = raw.get("dense_4/kernel:0").toFloatArray();
            float[] fc0 = p.get("frc.attention_fc0.weight");
            for (int o = 0; o < 8; o++) {
                for (int i = 0; i < 8; i++) {
                    assertEquals(d[i * 8 + o], fc0[o * 8 + i], 0f);
                }
            }
            // DepthwiseConv2D (kh, kw, C, 1) -> (C, 1, kh, kw): the first Gaussian slot.
            float[] dw = raw.get("depthwise_conv2d_5/depthwise_kernel:0").toFloatArray();
            float[] g1 = p.get("frc.band_stack.gaussian_1");
            for (int c = 0; c < 8; c++) {
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 3; x++) {
                        assertEquals(dw[(y * 3 + x) * 8 + c], g1[(c * 3 + y) * 3 + x], 0f);
                    }
                }
            }
            // BatchNorm statistics keep their order.
            assertEquals(raw.get("aspp0_BN/moving_variance:0").toFloatArray()[5],
                    p.get("aspp0_BN.running_var")[5], 0f);
            assertEquals(raw.get("entry_flow_block1_shortcut_BN/gamma:0").toFloatArray()[2],
                    p.get("encoder.entry_flow_block1.shortcut_BN.weight")[2], 0f);

            NDArray y = net.forward(new ParameterStore(m, false),
                    new NDList(m.randomUniform(0f, 255f, new Shape(1, 3, 32, 32))), false).get(0);
            assertTrue(y.isNaN().none().getBoolean());
        }
    }

    @Test
    void forwardMatchesAnIndependentPytorchImplementation() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(fixture("forward_golden.json").toFile());
        JsonNode logits = golden.get("logit");
        float[] x = new float[3 * 32 * 32];
        for (int c = 0; c < 3; c++) {
            for (int h = 0; h < 32; h++) {
                for (int w = 0; w < 32; w++) {
                    x[(c * 32 + h) * 32 + w] = ((37 * c + 11 * h + 7 * w) % 17) / 17f - 0.5f;
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(CONFIG, new Random(3));
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            WeightImporter.load(net, WeightFiles.read(fixture("keras_tiny.h5")),
                    LoadOptions.strictDefaults());
            NDList out = net.forward(new ParameterStore(m, false),
                    new NDList(m.create(x, new Shape(1, 3, 32, 32))), false);
            float[] logit = out.get(FrcuNet.Output.LOGIT.ordinal()).toFloatArray();
            float[] prob = out.get(FrcuNet.Output.PROBABILITY.ordinal()).toFloatArray();
            assertEquals(logits.size(), logit.length);
            for (int i = 0; i < logit.length; i++) {
                double expected = logits.get(i).asDouble();
                assertEquals(expected, logit[i], 2e-6, "logit " + i);
                assertEquals(1 / (1 + Math.exp(-expected)), prob[i], 1e-6, "probability " + i);
            }
        }
    }

    @Test
    void kerasFileIsRefusedByOtherVariants() throws IOException {
        Checkpoint file = WeightFiles.read(fixture());
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(CONFIG.withVariant(FrcuNetConfig.Variant.NO_FRC),
                    new Random(3));
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            IOException e = assertThrows(IOException.class,
                    () -> WeightImporter.load(net, file, LoadOptions.strictDefaults()));
            assertTrue(e.getMessage().contains("NO_FRC"), e.getMessage());
        }
    }

    @Test
    void kerasFileOfAnotherWidthIsRefusedNamingTheWeight() throws IOException {
        Checkpoint file = WeightFiles.read(fixture());
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(new FrcuNetConfig(32, 0.01, 1,
                    FrcuNetConfig.Variant.FRCUNET, 0.1, 0.9, 32, 1, 0), new Random(3));
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            IOException e = assertThrows(IOException.class,
                    () -> WeightImporter.load(net, file, LoadOptions.strictDefaults()));
            assertTrue(e.getMessage().contains("keras_tiny.h5"), e.getMessage());
            assertTrue(e.getMessage().contains("has shape"), e.getMessage());
        }
    }

    private static Path fixture() {
        return fixture("keras_tiny.h5");
    }

    private static Path fixture(String name) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path c = p.resolve("testdata").resolve("frcunet").resolve(name);
            if (Files.isRegularFile(c)) {
                return c;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("testdata/frcunet/" + name + " not found above the"
                + " working directory");
    }
}
