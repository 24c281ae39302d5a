package dev.freqmed.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.tensor.HostArrays;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * LPIPS-VGG against PyTorch: torchvision 0.14's VGG16 {@code features} and the lpips v0.1
 * formula, run with PyTorch 1.13 on the same formula weights and images (all five taps, ReLU,
 * pooling and the per-channel heads take part), gave 0.152450949 and 0.135765612.
 */
class LpipsVggTest {

    private static NDArray image(NDManager m, double f, double phase, boolean cos) {
        float[] v = new float[2 * 3 * 32 * 32];
        for (int j = 0; j < v.length; j++) {
            v[j] = (float) (0.8 * (cos ? Math.cos(f * j + phase) : Math.sin(f * j + phase)));
        }
        return HostArrays.of(m, v, new Shape(2, 3, 32, 32));
    }

    @Test
    void matchesPyTorchAndIsZeroForEqualImages() throws IOException {
        try (NDManager m = NDManager.newBaseManager();
                LpipsVgg lpips = LpipsVgg.of(m, LpipsFixtures.vgg(), LpipsFixtures.lins())) {
            NDArray x = image(m, 0.05, 0, false);
            NDArray y = image(m, 0.07, 0.3, true);
            float[] d = lpips.distance(x, y).toFloatArray();
            assertEquals(2, d.length);
            assertEquals(0.152450949, d[0], 1e-4 * 0.152450949);
            assertEquals(0.135765612, d[1], 1e-4 * 0.135765612);
            float[] same = lpips.distance(x, x).toFloatArray();
            assertEquals(0.0, same[0], 1e-9);
        }
    }

    @Test
    void gradientReachesTheImages() throws IOException {
        try (NDManager m = NDManager.newBaseManager();
                LpipsVgg lpips = LpipsVgg.of(m, LpipsFixtures.vgg(), LpipsFixtures.lins())) {
            NDArray x = image(m, 0.05, 0, false);
            NDArray y = image(m, 0.07, 0.3, true);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(lpips.distance(x, y).mean());
            }
            float[] g = x.getGradient().toFloatArray();
            double sum = 0;
            for (float v : g) {
                sum += Math.abs(v);
            }
            assertTrue(sum > 0 && Double.isFinite(sum), "gradient " + sum);
        }
    }

    @Test
    void aMissingOrMisShapedTensorIsNamed() {
        Map<String, HostTensor> vgg = LpipsFixtures.vgg();
        vgg.remove("features.14.weight");
        try (NDManager m = NDManager.newBaseManager()) {
            IOException e = assertThrows(IOException.class, () -> LpipsVgg.of(m, vgg, LpipsFixtures.lins()));
            assertTrue(e.getMessage().contains("features.14.weight"), e.getMessage());
            Map<String, HostTensor> lin = LpipsFixtures.lins();
            lin.put("lin2.model.1.weight", HostTensor.of(DType.FLOAT32, new long[] {1, 128, 1, 1},
                    new float[128]));
            e = assertThrows(IOException.class, () -> LpipsVgg.of(m, LpipsFixtures.vgg(), lin));
            assertTrue(e.getMessage().contains("lin2.model.1.weight")
                    && e.getMessage().contains("[1, 256, 1, 1]"), e.getMessage());
        }
    }
}
