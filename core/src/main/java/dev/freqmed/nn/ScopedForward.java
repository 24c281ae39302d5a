package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.function.UnaryOperator;

/**
 * Runs one block's inference computation in its own memory scope, so that its intermediate arrays
 * are freed when it returns instead of living until the caller's manager closes. This bounds the
 * memory of a forward pass through a deep network at large inputs (e.g. 1024² on a CPU) to the
 * kept feature maps plus one block's temporaries.
 *
 * <p>In training no scope is used: arrays made from host buffers (interpolation matrices, masks)
 * may be saved by autograd for the backward pass, and closing them early would free memory that
 * backward still reads.
 */
public final class ScopedForward {

    private ScopedForward() {
    }

    /**
     * Outside training, attaches the inputs temporarily to a fresh sub-manager of the first
     * input's manager, runs {@code body}, attaches its outputs to that manager and frees
     * everything else created inside; in training, just runs {@code body}.
     *
     * @param inputs   the block inputs (returned to their manager afterwards)
     * @param training whether the pass is recorded for backward
     * @param body     the computation; every array it creates must derive from the inputs
     * @return the outputs, owned by the first input's manager
     */
    public static NDList run(NDList inputs, boolean training, UnaryOperator<NDList> body) {
        if (training) {
            return body.apply(inputs);
        }
        NDManager parent = inputs.head().getManager();
        try (NDManager scope = parent.newSubManager()) {
            for (NDArray a : inputs) {
                a.tempAttach(scope);
            }
            NDList out = body.apply(inputs);
            for (NDArray a : out) {
                a.attach(parent);
            }
            return out;
        }
    }
}
