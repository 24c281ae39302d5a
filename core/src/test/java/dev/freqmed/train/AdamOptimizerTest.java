package dev.freqmed.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden values: torch 1.13 {@code torch.optim.Adam/AdamW(lr=0.1, betas=(0.9, 0.999), eps=1e-8)} on
 * {@code p = [1, -2]} with gradients {@code [0.5, 0.3], [-0.2, 0.1], [0.7, -0.4]}.
 */
class AdamOptimizerTest {

    private static float[] run(double wd, boolean decoupled) {
        float[][] grads = {{0.5f, 0.3f}, {-0.2f, 0.1f}, {0.7f, -0.4f}};
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter p = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).build();
            p.setArray(m.create(new float[] {1f, -2f}));
            p.getArray().setRequiresGradient(true);
            AdamOptimizer opt = new AdamOptimizer(m.newSubManager(), 0.9, 0.999, 1e-8, wd, decoupled);
            for (float[] g : grads) {
                try (NDManager sub = m.newSubManager();
                        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray target = sub.create(g);
                    // d/dw of sum(w * g) is g.
                    gc.backward(p.getArray().mul(target).sum());
                }
                opt.update(Map.of("w", p), 0.1);
            }
            assertEquals(3, opt.step());
            return p.getArray().toFloatArray();
        }
    }

    @Test
    void adamMatchesTorch() {
        assertArrayEquals(new float[] {0.7985097765922546f, -2.1787095069885254f}, run(0, false), 1e-6f);
    }

    @Test
    void adamWithL2MatchesTorch() {
        assertArrayEquals(new float[] {0.7721824645996094f, -2.026090383529663f}, run(0.1, false), 1e-6f);
    }

    @Test
    void adamWMatchesTorch() {
        assertArrayEquals(new float[] {0.7711443901062012f, -2.1164464950561523f}, run(0.1, true), 1e-6f);
    }
}
