package dev.freqmed.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class SeededStateDictTest {

    @Test
    void seedIsTheUnsignedCrc32OfTheKey() {
        assertEquals(1_807_985_025L, SeededStateDict.seed("conv2_1.bias"));
    }

    /**
     * The expected values come from a NumPy implementation of the same rule (wrapping uint64
     * arithmetic, float64 mapping, cast to float32); they must match bit for bit.
     */
    @Test
    void valuesMatchTheNumpyImplementation() {
        assertEquals(0.010407486f, at("conv2_1.bias", new long[] {1}, 0), 0f);
        assertEquals(1.0495511f, at("sff.sea.local_att.1.running_var", new long[] {16}, 5), 0f);
        assertEquals(-0.06177909f,
                at("backbone.patch_embed1.proj.weight", new long[] {64, 3, 7, 7}, 1000), 0f);
        assertEquals(0.40127847f, at("resnet_f.bn1.running_mean", new long[] {64}, 63), 0f);
    }

    @Test
    void rangesFollowTheKeyAndRank() {
        assertArrayEquals(new double[] {0.3, 3.0},
                SeededStateDict.range("a.bn.running_var", new long[] {4}, 1), 0);
        assertArrayEquals(new double[] {0.5, 1.5},
                SeededStateDict.range("a.norm.weight", new long[] {4}, 1), 0);
        assertArrayEquals(new double[] {-0.2, 0.2},
                SeededStateDict.range("a.conv.bias", new long[] {4}, 1), 0);
        double a = 2 * Math.sqrt(3.0 / 18);
        assertArrayEquals(new double[] {-a, a},
                SeededStateDict.range("a.conv.weight", new long[] {5, 2, 3, 3}, 2), 0);
        assertNull(SeededStateDict.generate("frequency.radius", new long[] {1}, 1));
        assertNull(SeededStateDict.generate("bn.num_batches_tracked", new long[0], 1));
    }

    private static float at(String key, long[] shape, int index) {
        return SeededStateDict.generate(key, shape, 1.0).toFloatArray()[index];
    }
}
