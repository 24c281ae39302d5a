package dev.freqmed.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/** The running-statistics convention of DJL's BatchNorm on the PyTorch engine. */
class BatchNormsTest {

    // Channel 0 values 1..4 (mean 2.5, unbiased variance 5/3), channel 1 all 2 (mean 2, var 0).
    private static final float[] X = {1, 2, 2, 2, 3, 4, 2, 2};

    @Test
    void kerasMomentumUpdatesLikeKeras() {
        // Keras: moving = 0.99 * moving + 0.01 * batch, starting at mean 0, variance 1.
        float[][] stats = oneStep(BatchNorms.keras(1e-3f, 0.99f));
        assertArrayEquals(new float[] {0.025f, 0.02f}, stats[0], 1e-6f);
        assertArrayEquals(new float[] {0.99f + 0.01f * 5f / 3f, 0.99f}, stats[1], 1e-6f);
    }

    @Test
    void torchMomentumUpdatesLikePytorch() {
        // PyTorch: running = 0.9 * running + 0.1 * batch for momentum 0.1.
        float[][] stats = oneStep(BatchNorms.torch(1e-5f, 0.1f));
        assertArrayEquals(new float[] {0.25f, 0.2f}, stats[0], 1e-6f);
        assertArrayEquals(new float[] {0.9f + 0.1f * 5f / 3f, 0.9f}, stats[1], 1e-6f);
    }

    @Test
    void badMomentumIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> BatchNorms.keras(1e-3f, 1f));
        assertThrows(IllegalArgumentException.class, () -> BatchNorms.keras(0f, 0.9f));
    }

    private static float[][] oneStep(BatchNorm bn) {
        try (NDManager m = NDManager.newBaseManager()) {
            // Layout (N=2, C=2, H=1, W=2): n0c0 = 1,2  n0c1 = 2,2  n1c0 = 3,4  n1c1 = 2,2.
            Shape shape = new Shape(2, 2, 1, 2);
            bn.initialize(m, DataType.FLOAT32, shape);
            bn.forward(new ParameterStore(m, false), new NDList(m.create(X, shape)), true);
            return new float[][] {
                bn.getParameters().get("runningMean").getArray().toFloatArray(),
                bn.getParameters().get("runningVar").getArray().toFloatArray()
            };
        }
    }
}
