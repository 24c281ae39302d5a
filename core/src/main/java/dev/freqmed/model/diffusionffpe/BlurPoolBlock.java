package dev.freqmed.model.diffusionffpe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.backbone.diffusion.SdBlock;
import dev.freqmed.engine.Convolutions;

/**
 * antialiased-cnns' {@code BlurPool} at stride 1 as the vision-aided head uses it: a depthwise
 * 4×4 filter {@code [1,3,3,1]ᵀ[1,3,3,1] / 64} with zero padding {@code pad} on every side.
 * The filter is the frozen buffer {@code filt} {@code (C, 1, 4, 4)}. Output side
 * {@code H + 2·pad − 3}. Reference: antialiased_cnns {@code blurpool.py} {@code BlurPool}.
 */
final class BlurPoolBlock extends SdBlock {

    private final int channels;
    private final int pad;
    private final Parameter filter;

    BlurPoolBlock(int channels, int pad) {
        this.channels = channels;
        this.pad = pad;
        filter = addParameter(Parameter.builder().setName("filt").setType(Parameter.Type.OTHER)
                .optShape(new Shape(channels, 1, 4, 4)).optRequiresGrad(false).build());
    }

    /** The fixed filter values, {@code (C·16)}. */
    float[] values() {
        float[] a = {1, 3, 3, 1};
        float[] out = new float[channels * 16];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    out[c * 16 + i * 4 + j] = a[i] * a[j] / 64f;
                }
            }
        }
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDArray f = ps.getValue(filter, x.getDevice(), training);
        return new NDList(Convolutions.conv2d(x, f, null, new Shape(1, 1), new Shape(pad, pad),
                new Shape(1, 1), channels));
    }
}
