package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Parameter arrays for a forward pass that does arithmetic on a parameter before it meets the
 * activations ({@code weight.reshape(1, C, 1, 1)}, {@code weight / sigma}).
 *
 * <p>Why: the engine puts the result of an operation in the manager of its first operand. A
 * parameter belongs to the network's manager, which lives as long as the network, so every such
 * result (and, while training, the autograd node it carries) would stay until the network is
 * closed: thousands of arrays a training step. A view of the parameter owned by the batch's
 * manager routes those results there instead; gradients still reach the parameter through it.
 */
public final class ParameterViews {

    private ParameterViews() {
    }

    /**
     * A view of {@code parameter} (same storage and shape, differentiable) owned by the manager
     * of {@code like}.
     *
     * @param parameter the parameter's array, as the parameter store returns it
     * @param like      an array of the current pass (usually the block's input)
     * @return the view
     */
    public static NDArray of(NDArray parameter, NDArray like) {
        NDArray view = parameter.reshape(parameter.getShape());
        view.attach(like.getManager());
        return view;
    }

    /**
     * {@link #of} for a parameter read from the store on {@code like}'s device.
     *
     * @param store     the pass's parameter store
     * @param parameter the parameter
     * @param like      an array of the current pass (usually the block's input)
     * @param training  whether the pass trains
     * @return the view
     */
    public static NDArray value(ParameterStore store, Parameter parameter, NDArray like,
            boolean training) {
        return of(store.getValue(parameter, like.getDevice(), training), like);
    }
}
