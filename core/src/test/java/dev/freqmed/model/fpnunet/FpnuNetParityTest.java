package dev.freqmed.model.fpnunet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.SeededStateDict;
import dev.freqmed.io.StateDicts;
import dev.freqmed.nn.ContainerBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.freq.PfaeBlock;
import dev.freqmed.tensor.HostArrays;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The global fusion neck, both skip necks and the NP, HV and NC decoders at the paper's widths
 * (fusion 256, decoder stages 128 / 64 / 32) against the reference modules' outputs in
 * {@code testdata/fpnunet-parity/neck-decoders.safetensors}: every parameter and BatchNorm
 * statistic gets the {@link SeededStateDict} value of its full network key (non-trivial running
 * statistics and affine terms), both sides run in inference mode on the same 32 × 32 image and
 * random SAM / UNI features (SAM 32 wide, UNI 128 wide, so skips of 32, 8 and 2 channels).
 */
class FpnuNetParityTest {

    private static final double TOLERANCE = 1e-4;

    @Test
    void neckAndDecodersMatchTheReferenceModules() throws Exception {
        Safetensors.Contents fixture = Safetensors.read(Path.of("..", "testdata",
                "fpnunet-parity", "neck-decoders.safetensors"));
        Map<String, String> meta = fixture.metadata();
        double gain = Double.parseDouble(meta.get("gain"));
        int sam = Integer.parseInt(meta.get("sam"));
        int uni = Integer.parseInt(meta.get("uni"));
        int f = Integer.parseInt(meta.get("fusion"));
        int types = Integer.parseInt(meta.get("types"));
        Map<String, HostTensor> t = fixture.tensors();
        int[] skips = {uni / 4, uni / 16, uni / 64};
        try (NDManager m = NDManager.newBaseManager()) {
            FusionNeckBlock neck = new FusionNeckBlock(sam, uni, f, 16, 64);
            PfaeBlock enh2 = new PfaeBlock(skips[1], skips[1], skips[1], 2, 8);
            PfaeBlock enh1 = new PfaeBlock(skips[2], skips[2], skips[2], 2, 8);
            Block neck2 = new ContainerBlock().add("enhancer", enh2, Layers.nchw(skips[1]));
            Block neck1 = new ContainerBlock().add("enhancer", enh1, Layers.nchw(skips[2]));
            BinaryDecoderBlock binary = new BinaryDecoderBlock(f, skips, 32);
            HvDecoderBlock hv = new HvDecoderBlock(f, skips, 32, 4, 0, 0);
            TypeDecoderBlock type = new TypeDecoderBlock(f, skips, 32, types, 4, 6, 0, 0);
            neck.initialize(m, DataType.FLOAT32, Layers.nchw(3));
            neck2.initialize(m, DataType.FLOAT32, Layers.nchw(skips[1]));
            neck1.initialize(m, DataType.FLOAT32, Layers.nchw(skips[2]));
            binary.initialize(m, DataType.FLOAT32, Layers.nchw(1));
            hv.initialize(m, DataType.FLOAT32, Layers.nchw(1));
            type.initialize(m, DataType.FLOAT32, Layers.nchw(1));
            Map<String, Block> parts = new LinkedHashMap<>();
            parts.put("fusion_neck", neck);
            parts.put("skip_neck2", neck2);
            parts.put("skip_neck1", neck1);
            parts.put("binary_decoder", binary);
            parts.put("hv_decoder", hv);
            parts.put("type_decoder", type);
            int seeded = 0;
            int runningVars = 0;
            for (Map.Entry<String, Block> part : parts.entrySet()) {
                Map<String, HostTensor> values = new LinkedHashMap<>();
                for (Map.Entry<String, Parameter> p : StateDicts.parameters(part.getValue())
                        .entrySet()) {
                    String key = part.getKey() + "." + p.getKey();
                    HostTensor current = HostTensor.fromNDArray(p.getValue().getArray());
                    HostTensor v = SeededStateDict.generate(key, current.shape(), gain);
                    if (v == null) {
                        values.put(p.getKey(), current);
                        continue;
                    }
                    // Check the sides differ first: the seeded state is not the initial one.
                    assertTrue(!Arrays.equals(current.toFloatArray(), v.toFloatArray()),
                            key + " already held its values");
                    values.put(p.getKey(), v);
                    seeded++;
                    runningVars += key.endsWith("running_var") ? 1 : 0;
                }
                StateDicts.load(part.getValue(), values, LoadOptions.strictDefaults());
            }
            // The reference side seeded the same keys: 529, among them 57 BatchNorm layers.
            assertEquals(529, seeded);
            assertEquals(57, runningVars);

            ParameterStore ps = new ParameterStore(m, false);
            NDArray img = array(m, t.get("input.img"));
            NDArray s = array(m, t.get("input.S"));
            NDArray u = array(m, t.get("input.U"));
            long n = img.getShape().get(0);
            long g = s.getShape().get(2);
            NDArray k0 = array(m, t.get("input.h0")).reshape(n, skips[0], 2 * g, 2 * g);
            NDArray k1 = enh2.forward(ps, new NDList(array(m, t.get("input.h1"))
                    .reshape(n, skips[1], 4 * g, 4 * g)), false).head();
            NDArray k2 = enh1.forward(ps, new NDList(array(m, t.get("input.h2"))
                    .reshape(n, skips[2], 8 * g, 8 * g)), false).head();
            NDArray z = neck.forward(ps, new NDList(img, s, u), false).head();
            NDList bin = binary.forward(ps, new NDList(z, k0, k1, k2), false);
            NDList dec = new NDList(z, k0, k1, k2, bin.get(2), bin.get(3), bin.get(4));
            NDArray hvOut = hv.forward(ps, dec, false).head();
            NDArray tp = type.forward(ps, dec, false).head();

            StringBuilder report = new StringBuilder();
            double worst = 0;
            Map<String, NDArray> ours = new LinkedHashMap<>();
            ours.put("Z", z);
            ours.put("k1", k1);
            ours.put("k2", k2);
            ours.put("bin", bin.get(0));
            ours.put("boundary", bin.get(1));
            ours.put("hv", hvOut);
            ours.put("tp", tp);
            for (Map.Entry<String, NDArray> e : ours.entrySet()) {
                HostTensor ref = t.get("output." + e.getKey());
                assertArrayEquals(ref.shape(), e.getValue().getShape().getShape(), e.getKey());
                float[] a = e.getValue().toFloatArray();
                float[] b = ref.toFloatArray();
                double maxDiff = 0;
                double maxRef = 0;
                for (int i = 0; i < a.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                    maxRef = Math.max(maxRef, Math.abs(b[i]));
                }
                // Relative to the output's scale where it exceeds 1 (Z reaches ~150).
                double rel = maxDiff / Math.max(1, maxRef);
                worst = Math.max(worst, rel);
                report.append(String.format(Locale.ROOT, "%s max|diff| %.3g (max|ref| %.3g)%n",
                        e.getKey(), maxDiff, maxRef));
            }
            System.out.print(report);
            assertTrue(worst <= TOLERANCE, report.toString());
        }
    }

    private static NDArray array(NDManager m, HostTensor t) {
        return HostArrays.of(m, t.toFloatArray(), new Shape(t.shape()));
    }
}
