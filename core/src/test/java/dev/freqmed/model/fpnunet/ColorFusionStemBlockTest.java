package dev.freqmed.model.fpnunet;

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
import dev.freqmed.data.stain.HedDeconvolution;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.SeededStateDict;
import dev.freqmed.io.StateDicts;
import dev.freqmed.tensor.HostArrays;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ColorFusionStemBlockTest {

    private static NDArray image(NDManager m, long seed) {
        Random r = new Random(seed);
        float[] px = new float[2 * 3 * 16 * 16];
        for (int i = 0; i < px.length; i++) {
            px[i] = r.nextInt(256);
        }
        return HostArrays.of(m, px, new Shape(2, 3, 16, 16));
    }

    private static void fill(Parameter p, float... values) {
        NDArray a = p.getArray();
        try (NDManager s = a.getManager().newSubManager()) {
            HostArrays.copyInto(a, HostArrays.of(s, values, a.getShape()));
        }
    }

    /** The HED input equals {@link HedDeconvolution} pixel by pixel, on both input scales. */
    @Test
    void hedOfTheNetworkInputMatchesTheDeconvolution() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pixels = image(m, 1);
            float[] px = pixels.toFloatArray();
            NDArray minusOne = pixels.sub(1f);
            NDArray mean = HostArrays.of(m, new float[] {0.485f, 0.456f, 0.406f},
                    new Shape(1, 3, 1, 1));
            NDArray std = HostArrays.of(m, new float[] {0.229f, 0.224f, 0.225f},
                    new Shape(1, 3, 1, 1));
            NDArray imagenet = pixels.div(255f).sub(mean).div(std);
            float[] a = ColorFusionStemBlock.hed(minusOne, FpnuNetConfig.PIXEL_MINUS_ONE)
                    .toFloatArray();
            float[] b = ColorFusionStemBlock.hed(imagenet, FpnuNetConfig.IMAGENET).toFloatArray();
            int plane = 16 * 16;
            double worst = 0;
            double largest = 0;
            for (int n = 0; n < 2; n++) {
                for (int i = 0; i < plane; i++) {
                    int o = n * 3 * plane + i;
                    double[] want = HedDeconvolution.hed((int) px[o], (int) px[o + plane],
                            (int) px[o + 2 * plane]);
                    for (int s = 0; s < 3; s++) {
                        worst = Math.max(worst, Math.abs(a[o + s * plane] / 255.0 - want[s]));
                        worst = Math.max(worst, Math.abs(b[o + s * plane] - want[s]));
                        largest = Math.max(largest, want[s]);
                    }
                }
            }
            assertTrue(largest > 0.1, "the sample must hold stain: " + largest);
            assertTrue(worst < 1e-5, "worst difference " + worst);
        }
    }

    /**
     * Both gates start at 0, so the stem starts as the identity on RGB; once they are open the
     * output changes, every weight of the stem gets a finite gradient (the DAB branch once its
     * H&amp;E weight, 0 at first, is not), and only the other stain's scales get none.
     */
    @Test
    void startsAsIdentityThenLearnsEverywhereButTheOtherStain() {
        Engine.getInstance().setRandomSeed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            ColorFusionStemBlock stem = new ColorFusionStemBlock(true, false);
            stem.initialize(m, DataType.FLOAT32, new Shape(2, 3, 16, 16), new Shape(2, 3, 16, 16));
            stem.initialize(new Random(5));
            NDArray rgb = image(m, 2).div(255f).sub(0.45f).div(0.225f);
            NDArray hed = ColorFusionStemBlock.hed(rgb, FpnuNetConfig.IMAGENET);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray out0 = stem.forward(ps, new NDList(rgb, hed), false).singletonOrThrow();
            assertEquals(0f, out0.sub(rgb).abs().max().getFloat(), 0f);

            Map<String, Parameter> p = StateDicts.parameters(stem);
            fill(p.get("gamma"), 0.7f);
            fill(p.get("attn.gamma"), -0.4f);
            fill(p.get("scale_he"), 0.9f, 0.6f, 0.3f); // the DAB weight starts at 0 for H&E
            NDArray target = m.randomNormal(new Shape(2, 3, 16, 16));
            for (Parameter q : p.values()) {
                if (q.requiresGradient()) {
                    q.getArray().setRequiresGradient(true);
                }
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = stem.forward(ps, new NDList(rgb, hed), true).singletonOrThrow();
                assertTrue(out.sub(rgb).abs().max().getFloat() > 1e-3f);
                gc.backward(out.mul(target).sum());
            }
            for (Map.Entry<String, Parameter> e : p.entrySet()) {
                if (!e.getValue().requiresGradient()) {
                    continue;
                }
                float g = e.getValue().getArray().getGradient().abs().max().getFloat();
                assertTrue(Float.isFinite(g), e.getKey() + " gradient " + g);
                if (e.getKey().equals("scale_ihc")) {
                    assertEquals(0f, g, 0f, "H&E: the IHC scales are multiplied by 0");
                } else {
                    assertTrue(g > 0, e.getKey() + " gets no gradient");
                }
            }
        }
    }

    /**
     * The stem as the reference module runs it (its RGB branch on the HED half) against that
     * module's outputs in {@code testdata/fpnunet-parity/color-stem.safetensors}: seeded weights
     * and BatchNorm statistics, both gates open and both stain scales away from their initial
     * values, inference mode, for an H&amp;E and an IHC stain flag.
     */
    @Test
    void matchesTheReferenceModule() throws Exception {
        Safetensors.Contents fixture = Safetensors.read(Path.of("..", "testdata",
                "fpnunet-parity", "color-stem.safetensors"));
        Map<String, HostTensor> t = fixture.tensors();
        int expectedSeeded = Integer.parseInt(fixture.metadata().get("seeded"));
        for (boolean ihc : new boolean[] {false, true}) {
            try (NDManager m = NDManager.newBaseManager()) {
                ColorFusionStemBlock stem = new ColorFusionStemBlock(false, ihc);
                stem.initialize(m, DataType.FLOAT32, new Shape(2, 3, 16, 16),
                        new Shape(2, 3, 16, 16));
                Map<String, HostTensor> values = new LinkedHashMap<>();
                int seeded = 0;
                for (Map.Entry<String, Parameter> p : StateDicts.parameters(stem).entrySet()) {
                    HostTensor current = HostTensor.fromNDArray(p.getValue().getArray());
                    HostTensor gate = t.get("gate." + p.getKey());
                    HostTensor v = gate != null ? gate : SeededStateDict.generate(
                            "color_stem." + p.getKey(), current.shape(), 1.0);
                    if (v == null) {
                        values.put(p.getKey(), current);
                        continue;
                    }
                    assertTrue(!Arrays.equals(current.toFloatArray(), v.toFloatArray()),
                            p.getKey() + " already held its values");
                    values.put(p.getKey(), v);
                    seeded += gate == null ? 1 : 0;
                }
                assertEquals(expectedSeeded, seeded);
                StateDicts.load(stem, values, LoadOptions.strictDefaults());
                NDArray rgb = array(m, t.get("input.rgb"));
                NDArray hed = array(m, t.get("input.hed"));
                float[] out = stem.forward(new ParameterStore(m, false), new NDList(rgb, hed),
                        false).singletonOrThrow().toFloatArray();
                float[] ref = t.get(ihc ? "output.ihc" : "output.he").toFloatArray();
                float[] in = rgb.toFloatArray();
                double worst = 0;
                double change = 0;
                for (int i = 0; i < out.length; i++) {
                    worst = Math.max(worst, Math.abs(out[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
                    change = Math.max(change, Math.abs(ref[i] - in[i]));
                }
                assertTrue(change > 0.1, "the reference output must differ from its input: " + change);
                assertTrue(worst < 1e-5, (ihc ? "IHC" : "H&E") + ": worst relative difference "
                        + worst);
            }
        }
    }

    private static NDArray array(NDManager m, HostTensor t) {
        return HostArrays.of(m, t.toFloatArray(), new Shape(t.shape()));
    }

    @Test
    void refusesUnknownModes() {
        FpnuNetConfig c = FpnuNetConfig.tiny();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.withColorStem("lab", FpnuNetConfig.STAIN_HE));
        assertTrue(e.getMessage().contains("colorStem"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> c.withColorStem(FpnuNetConfig.COLOR_STEM_RGB, "pas"));
        assertTrue(e.getMessage().contains("stain"), e.getMessage());
    }
}
