package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.freqmed.tensor.Scalars;
import java.util.Arrays;

/**
 * Stochastic depth ("drop path", Huang et al. 2016; timm's {@code drop_path}): in training, each
 * sample's residual branch is dropped whole with probability {@code rate} and the kept branches
 * are scaled by {@code 1 / (1 - rate)}, so the expected output is unchanged; outside training,
 * or at rate 0, the branch passes as it is.
 */
public final class DropPath {

    private DropPath() {
    }

    /**
     * @param branch   the residual branch, (N, ...) with the sample axis first
     * @param rate     probability of dropping a sample's branch, in [0, 1)
     * @param training whether this is a training pass
     * @return the branch, masked and rescaled per sample in training
     * @throws IllegalArgumentException when the rate is outside [0, 1)
     */
    public static NDArray apply(NDArray branch, double rate, boolean training) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("Expected a drop-path rate in [0, 1), found " + rate);
        }
        if (!training || rate == 0) {
            return branch;
        }
        double keep = 1 - rate;
        Shape s = branch.getShape();
        long[] maskShape = new long[s.dimension()];
        Arrays.fill(maskShape, 1);
        maskShape[0] = s.get(0);
        NDArray kept = branch.getManager().randomUniform(0f, 1f, new Shape(maskShape))
                .lt(keep).toType(branch.getDataType(), false);
        return branch.mul(Scalars.div(kept, keep));
    }
}
