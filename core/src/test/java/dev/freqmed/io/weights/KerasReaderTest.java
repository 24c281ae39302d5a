package dev.freqmed.io.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.WeightFixturesAccess;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KerasReaderTest {

    @Test
    void fixtureMatchesExpectedInLayerOrder() throws Exception {
        Checkpoint c = WeightFiles.read(WeightFixturesAccess.file("keras_weights.h5"));
        assertEquals("keras-h5", c.format());
        assertEquals("2.2.0", c.metadata().get("keras_version"));
        assertEquals("conv2d_1,batch_normalization_1,conv2d_transpose_1,max_pooling2d_1",
                c.metadata().get("layer_names"));
        JsonNode exp = WeightFixturesAccess.expected().get("keras_h5");
        Map<String, HostTensor> sd = c.stateDict();
        assertEquals(exp.size(), sd.size());
        Iterator<String> names = exp.fieldNames();
        for (String k : sd.keySet()) {
            assertEquals(names.next(), k);
            WeightFixturesAccess.check(k, exp.get(k), sd.get(k));
        }
    }

    @Test
    void toTorchConvertsLayoutsAndNames() throws Exception {
        Checkpoint c = KerasReader.read(WeightFixturesAccess.file("keras_weights.h5"));
        Map<String, HostTensor> k = c.stateDict();
        Map<String, HostTensor> t = KerasLayouts.toTorch(c);
        assertEquals(List.of("conv2d_1.weight", "conv2d_1.bias", "batch_normalization_1.weight",
                "batch_normalization_1.bias", "batch_normalization_1.running_mean",
                "batch_normalization_1.running_var", "conv2d_transpose_1.weight",
                "conv2d_transpose_1.bias"), List.copyOf(t.keySet()));
        HostTensor kc = k.get("conv2d_1/kernel:0");
        HostTensor tc = t.get("conv2d_1.weight");
        assertArrayEquals(new long[] {8, 3, 3, 3}, tc.shape());
        float[] kv = kc.toFloatArray();
        float[] tv = tc.toFloatArray();
        // W[o, i, y, x] = K[y, x, i, o]
        for (int o = 0; o < 8; o++) {
            for (int i = 0; i < 3; i++) {
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 3; x++) {
                        assertEquals(kv[((y * 3 + x) * 3 + i) * 8 + o],
                                tv[((o * 3 + i) * 3 + y) * 3 + x], 0f);
                    }
                }
            }
        }
        // Conv2DTranspose (kh, kw, out, in) -> (in, out, kh, kw)
        assertArrayEquals(new long[] {8, 4, 2, 2}, t.get("conv2d_transpose_1.weight").shape());
        assertEquals(k.get("batch_normalization_1/moving_variance:0").stats(),
                t.get("batch_normalization_1.running_var").stats());
    }

    private static HostTensor iota(long... shape) {
        float[] v = new float[(int) HostTensor.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return HostTensor.of(DType.FLOAT32, shape, v);
    }

    @Test
    void depthwiseDenseAndConv3dFollowTheSpec() {
        HostTensor dw = KerasLayouts.depthwise(iota(3, 3, 4, 1));
        assertArrayEquals(new long[] {4, 1, 3, 3}, dw.shape());
        // W[c, 0, y, x] = K[y, x, c, 0]
        assertEquals((1 * 3 + 2) * 4 + 3, dw.toFloatArray()[(3 * 3 + 1) * 3 + 2], 0f);

        HostTensor d = KerasLayouts.dense(iota(5, 2));
        assertArrayEquals(new long[] {2, 5}, d.shape());
        assertEquals(3 * 2 + 1, d.toFloatArray()[1 * 5 + 3], 0f);

        // Conv3D (1,1,L,C,O) -> (O, L*C, 1, 1) with W[o, l*C + c] = K[0,0,l,c,o]
        int l = 5;
        int ch = 3;
        int o = 2;
        HostTensor w = KerasLayouts.conv3dAsConv2d(iota(1, 1, l, ch, o));
        assertArrayEquals(new long[] {o, l * ch, 1, 1}, w.shape());
        float[] wv = w.toFloatArray();
        for (int oo = 0; oo < o; oo++) {
            for (int ll = 0; ll < l; ll++) {
                for (int cc = 0; cc < ch; cc++) {
                    assertEquals((ll * ch + cc) * o + oo, wv[oo * l * ch + ll * ch + cc], 0f);
                }
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> KerasLayouts.conv3dAsConv2d(iota(2, 1, 1, 1, 1)));
    }

    @Test
    void autoNamesAreGroupedByClassAndSortedByNumber() {
        Map<String, List<String>> g = KerasLayouts.autoNameGroups(
                List.of("conv2d_17", "dense_4", "conv2d_16", "aspp0_BN", "conv2d_100",
                        "depthwise_conv2d_5", "entry_flow_conv1_1"),
                Set.of("conv2d", "dense", "depthwise_conv2d"));
        assertEquals(List.of("conv2d_16", "conv2d_17", "conv2d_100"), g.get("conv2d"));
        assertEquals(List.of("dense_4"), g.get("dense"));
        assertEquals(List.of("depthwise_conv2d_5"), g.get("depthwise_conv2d"));
        assertTrue(!g.containsKey("entry_flow_conv1"));
    }
}
