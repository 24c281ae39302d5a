package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.engine.Convolutions;

/**
 * DJL's {@link Conv2d} (PyTorch semantics: symmetric padding, parameters {@code weight}
 * {@code (O, C / groups, kh, kw)} and {@code bias} {@code (O)}, input channels inferred at
 * initialisation) whose forward goes through {@link Convolutions}, so that it takes the path the
 * engine self-test found correct on this machine.
 */
public final class RoutedConv2d extends Conv2d {

    private RoutedConv2d(Builder b) {
        super(b);
    }

    /** A new builder; options are DJL's {@link Conv2d.Builder} ones. */
    public static Builder routedBuilder() {
        return new Builder();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        return new NDList(Convolutions.conv2d(x, w, b, stride, padding, dilation, groups));
    }

    /** Builder of {@link RoutedConv2d}. */
    public static final class Builder extends Conv2d.Builder {

        private Builder() {
        }

        /** Validates and builds. */
        @Override
        public RoutedConv2d build() {
            validate();
            return new RoutedConv2d(this);
        }
    }
}
