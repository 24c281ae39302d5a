package dev.freqmed.nn.freq;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import dev.freqmed.tensor.HostArrays;

/**
 * Ideal circular high-pass magnitude filter (FSANet §3; reference: {@code lib/FSANet.py
 * HighPassFilter}). For every image and channel of (N, C, H, W):
 * <ol>
 *   <li>X = 2-D DFT over (H, W), unnormalised;</li>
 *   <li>in the centred spectrum (DC at (H/2, W/2), integer division), every bin whose distance to
 *       ((H−1)/2, (W−1)/2) is at most {@code radius} is set to zero;</li>
 *   <li>the output is |IDFT| with the 1/(HW) normalisation, shape (N, C, H, W).</li>
 * </ol>
 * The radius is in absolute frequency bins. The mask is applied in the unshifted layout (the
 * centred mask rolled back by (H/2, W/2)), which gives the same magnitude as the reference's
 * roll-then-mask without inverse shift: both differ only by a unit-modulus phase ramp.
 *
 * <p>The radius is held as the parameter {@code radius} of shape (1) so the reference key
 * {@code frequency.radius} loads; it enters only through a hard comparison, so it gets no gradient
 * and is not trained (as in the reference).
 */
public final class HighPassFilterBlock extends AbstractBlock {

    private final Parameter radius;

    /** @param initialRadius initial radius in frequency bins (100 in FSANet) */
    public HighPassFilterBlock(float initialRadius) {
        radius = addParameter(Parameter.builder()
                .setName("radius")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(1))
                .optInitializer(new ConstantInitializer(initialRadius))
                .optRequiresGrad(false)
                .build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        float r = ps.getValue(radius, x.getDevice(), training).getFloat();
        return new NDList(apply(x, r));
    }

    /**
     * Applies the filter.
     *
     * @param x      real input (N, C, H, W)
     * @param radius cut-off radius in bins
     * @return the high-pass magnitude (N, C, H, W), float32
     * @throws IllegalArgumentException if x is not 4-D
     */
    public static NDArray apply(NDArray x, float radius) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("high-pass filter expects (N, C, H, W), found " + s);
        }
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        Device device = x.getDevice();
        NDManager m = x.getManager();
        NDArray mask = HostArrays.of(m, unshiftedMask(h, w, radius), new Shape(h, w))
                .toDevice(device, false);
        NDArray spectrum = x.toType(DataType.FLOAT32, false).fft2(new long[] {h, w},
                new long[] {2, 3});
        NDArray filtered = spectrum.mul(mask);
        return filtered.ifft2(new long[] {h, w}, new long[] {2, 3}).abs();
    }

    /**
     * The high-pass mask in the centred layout, row-major (H·W): 0 where the distance of (i, j)
     * to ((H−1)/2, (W−1)/2) is at most {@code radius}, 1 elsewhere. Distances are computed in
     * float32 as in the reference.
     */
    public static float[] centredMask(int h, int w, float radius) {
        float ch = (h - 1) / 2f;
        float cw = (w - 1) / 2f;
        float[] mask = new float[h * w];
        for (int i = 0; i < h; i++) {
            float di = i - ch;
            for (int j = 0; j < w; j++) {
                float dj = j - cw;
                float d = (float) Math.sqrt(di * di + dj * dj);
                mask[i * w + j] = d <= radius ? 0f : 1f;
            }
        }
        return mask;
    }

    /** {@link #centredMask} rolled back by (−H/2, −W/2) to the unshifted DFT layout. */
    public static float[] unshiftedMask(int h, int w, float radius) {
        float[] c = centredMask(h, w, radius);
        float[] u = new float[h * w];
        for (int k = 0; k < h; k++) {
            int i = (k + h / 2) % h;
            for (int l = 0; l < w; l++) {
                u[k * w + l] = c[i * w + (l + w / 2) % w];
            }
        }
        return u;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
