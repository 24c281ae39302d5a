package dev.freqmed.model.diffusionffpe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.backbone.diffusion.SdBlock;
import dev.freqmed.engine.Convolutions;
import dev.freqmed.nn.ParameterViews;
import dev.freqmed.tensor.Scalars;

/**
 * A convolution or linear layer under PyTorch's {@code spectral_norm}: the weight used is
 * {@code weight_orig / σ} with {@code σ = uᵀ W v}, {@code W} the weight flattened to
 * {@code (out, rest)}; each training forward first runs one power iteration
 * ({@code v = normalize(Wᵀu)}, {@code u = normalize(W v)}, without gradient) and stores
 * {@code u}, {@code v}; evaluation uses the stored vectors. Keys: {@code weight_orig},
 * {@code weight_u} {@code (out)}, {@code weight_v} {@code (rest)}, {@code bias}.
 * Reference: torch {@code nn/utils/spectral_norm.py} ({@code n_power_iterations=1},
 * {@code eps=1e-12}); vision-aided-gan {@code cv_discriminator.py}.
 *
 * <p>Convolution: input {@code (N, in, H, W)}, no padding; linear: input {@code (N, in)}.
 */
final class SpectralNormBlock extends SdBlock {

    private final int stride;
    private final boolean conv;
    private final Parameter weight;
    private final Parameter u;
    private final Parameter v;
    private final Parameter bias;

    private SpectralNormBlock(Shape weightShape, int stride, boolean conv, boolean withBias) {
        this.stride = stride;
        this.conv = conv;
        long out = weightShape.get(0);
        long rest = weightShape.size() / out;
        weight = addParameter(Parameter.builder().setName("weight_orig")
                .setType(Parameter.Type.WEIGHT).optShape(weightShape).build());
        bias = withBias ? addParameter(Parameter.builder().setName("bias")
                .setType(Parameter.Type.BIAS).optShape(new Shape(out)).build()) : null;
        u = addParameter(Parameter.builder().setName("weight_u").setType(Parameter.Type.OTHER)
                .optShape(new Shape(out)).optRequiresGrad(false).build());
        v = addParameter(Parameter.builder().setName("weight_v").setType(Parameter.Type.OTHER)
                .optShape(new Shape(rest)).optRequiresGrad(false).build());
    }

    /** A spectrally normalised convolution {@code in → out}, square kernel, no padding. */
    static SpectralNormBlock conv(int in, int out, int kernel, int stride) {
        return new SpectralNormBlock(new Shape(out, in, kernel, kernel), stride, true, true);
    }

    /** A spectrally normalised linear layer {@code in → out}. */
    static SpectralNormBlock linear(int in, int out, boolean bias) {
        return new SpectralNormBlock(new Shape(out, in), 1, false, bias);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDArray w = ParameterViews.value(ps, weight, x, training);
        NDArray uu = ps.getValue(u, x.getDevice(), training);
        NDArray vv = ps.getValue(v, x.getDevice(), training);
        long out = w.getShape().get(0);
        NDArray flat = w.reshape(out, -1);
        if (training) {
            NDArray wd = flat.stopGradient();
            NDArray nv = normalize(wd.transpose().matMul(uu));
            NDArray nu = normalize(wd.matMul(nv));
            // The in-place writes make helper arrays in the buffers' own manager: visit a
            // scope so that they go with it.
            try (NDManager scope = x.getManager().newSubManager()) {
                vv.tempAttach(scope);
                uu.tempAttach(scope);
                vv.set(new NDIndex("..."), nv);
                uu.set(new NDIndex("..."), nu);
            }
        }
        // Copies: later power iterations must not touch what autograd saved for this step.
        NDArray uc = ParameterViews.of(uu, x).duplicate();
        NDArray vc = ParameterViews.of(vv, x).duplicate();
        NDArray sigma = uc.matMul(flat.matMul(vc));
        NDArray wsn = w.div(sigma);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        if (conv) {
            return new NDList(Convolutions.conv2d(x, wsn, b, new Shape(stride, stride),
                    new Shape(0, 0), new Shape(1, 1), 1));
        }
        NDArray y = x.matMul(wsn.transpose());
        return new NDList(b == null ? y : y.add(b));
    }

    private static NDArray normalize(NDArray a) {
        return a.div(Scalars.maximum(a.norm(), 1e-12f));
    }
}
