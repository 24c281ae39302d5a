package dev.freqmed.nn.freq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.freqmed.backbone.ReferenceFixture;
import org.junit.jupiter.api.Test;

class HighPassFilterBlockTest {

    /**
     * x = 5 + 2·cos(2πj/4) on 4×4. With r = 0.8 the centred mask removes the four bins around
     * (1.5, 1.5), i.e. frequencies (ky, kx) in {0, 3}², which are the DC term (80) and (0, 3)
     * (16). Only (0, 1) = 16 is left, so |IDFT| = 16/16 = 1 everywhere.
     */
    @Test
    void handComputedCosine() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] v = new float[16];
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    v[i * 4 + j] = (float) (5 + 2 * Math.cos(2 * Math.PI * j / 4));
                }
            }
            NDArray out = HighPassFilterBlock.apply(m.create(v, new Shape(1, 1, 4, 4)), 0.8f);
            float[] o = out.toFloatArray();
            for (float f : o) {
                assertEquals(1.0, f, 1e-5);
            }
        }
    }

    @Test
    void maskRemovesTheReferenceBinCount() {
        // 31,428 bins lie within 100 of the centre at 352² and at 1024² (torch 1.13).
        for (int s : new int[] {352, 1024}) {
            float[] mask = HighPassFilterBlock.centredMask(s, s, 100f);
            int removed = 0;
            for (float f : mask) {
                removed += f == 0f ? 1 : 0;
            }
            assertEquals(31_428, removed, "size " + s);
        }
    }

    @Test
    void matchesReferenceAndKeepsItsRadiusParameter() throws Exception {
        ReferenceFixture f = ReferenceFixture.load("highpass");
        try (NDManager m = NDManager.newBaseManager()) {
            HighPassFilterBlock b = new HighPassFilterBlock(100f);
            b.initialize(m, DataType.FLOAT32, new Shape(1, 3, 6, 8));
            f.loadInto(b);
            NDArray y = b.forward(new ParameterStore(m, false), new NDList(f.inputs(m).get(0)),
                    false).singletonOrThrow();
            float diff = y.sub(f.output(m)).abs().max().getFloat();
            assertTrue(diff < 1e-5, "max abs difference " + diff);
        }
    }
}
