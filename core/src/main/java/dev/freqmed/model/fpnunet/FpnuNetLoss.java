package dev.freqmed.model.fpnunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.freqmed.engine.Convolutions;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Scalars;
import java.util.List;

/**
 * FPNuNet's training loss as released ({@code main/losses_v5.py} {@code SAMLossV5}, spec §6):
 * {@code loss = hv + bin + tp}.
 * <ul>
 *   <li>{@link #binaryTerm}: {@code BCE + Dice + Focal} of the NP logits plus
 *       {@code boundaryWeight ×} the same of the boundary logits. BCE with logits (mean);
 *       Dice on {@code σ(σ(z))} (MONAI's {@code DiceLoss(sigmoid=True)} fed probabilities: the
 *       reference's double sigmoid, kept for parity), smooth 1e-5, mean over samples; focal
 *       {@code (1 − p_t)² · BCE}, γ = 2, no α.</li>
 *   <li>{@link #hvTerm}: {@code MSE + MSGE}: the mean over all of {@code (m·ŷ − m·y)²} and
 *       the masked squared difference of 5×5 derivative kernels {@code K_r} (channel 0) and
 *       {@code K_c} (channel 1), divided by {@code Σ m + 1e-8}.</li>
 *   <li>{@link #typeTerm}: {@code CE + Dice + Focal + IoU} with class weights {@code w}: CE over
 *       non-background pixels weighted by {@code w_y} (weighted mean); Dice on
 *       {@code softmax(softmax(T))} (double softmax, as the reference) for channels 1.., each
 *       weighted; focal on the softmax of the foreground logits only (background dropped before
 *       the softmax, MONAI's order), weighted; IoU of {@code [softmax(T) ≥ 0.5]} (value only,
 *       no gradient). 0 when the batch has no foreground type pixel.</li>
 * </ul>
 * A binary or HV term that is not finite counts 0, as the reference's NaN guard.
 * DEVIATION: the type CE is also 0 when every foreground pixel has weight 0 (the reference divides
 * 0 by 0 and trains on NaN).
 *
 * <p>Labels: {@code NP (N, 1, H, W)} in {0, 1}, {@code BOUNDARY (N, 1, H, W)}, {@code HV
 * (N, 2, H, W)}, {@code NC (N, 1, H, W)} type ids. A foreground mask alone (one label) is read
 * as untyped nuclei: boundary from the mask's 4-neighbour contour, HV target 0, type 1.
 */
public final class FpnuNetLoss {

    private final float[] classWeights;
    private final double boundaryWeight;

    /**
     * @param classWeights   per type channel, entry 0 (background) unused
     * @param boundaryWeight weight of the boundary term (0.5)
     */
    public FpnuNetLoss(List<Double> classWeights, double boundaryWeight) {
        this.classWeights = new float[classWeights.size()];
        for (int i = 0; i < this.classWeights.length; i++) {
            this.classWeights[i] = classWeights.get(i).floatValue();
        }
        this.boundaryWeight = boundaryWeight;
    }

    /**
     * The total loss.
     *
     * @param outputs the network's NP, BOUNDARY, HV and NC maps
     * @param labels  NP, BOUNDARY, HV and NC targets (or the NP mask alone)
     * @return a scalar
     */
    public NDArray evaluate(NDList outputs, NDList labels) {
        NDArray np = labels.get(0);
        NDArray boundary;
        NDArray hv;
        NDArray types;
        if (labels.size() == 1) {
            boundary = contour(np);
            hv = np.zerosLike().repeat(1, 2);
            types = np;
        } else {
            boundary = labels.get(1);
            hv = labels.get(2);
            types = labels.get(3);
        }
        NDArray bin = finiteOrZero(binaryTerm(outputs.get(0), outputs.get(1), np, boundary));
        NDArray hvLoss = finiteOrZero(hvTerm(outputs.get(2), hv, np));
        return hvLoss.add(bin).add(typeTerm(outputs.get(3), types));
    }

    /** {@code L(np) + boundaryWeight · L(boundary)}, each {@code BCE + Dice + Focal}. */
    public NDArray binaryTerm(NDArray npLogit, NDArray boundaryLogit, NDArray np,
            NDArray boundary) {
        return binaryComponents(npLogit, np).add(
                Scalars.mul(binaryComponents(boundaryLogit, boundary), (float) boundaryWeight));
    }

    /** {@code BCE + Dice(σ(σ(z))) + Focal} of logits {@code z} against {@code t}, (N, 1, H, W). */
    public static NDArray binaryComponents(NDArray z, NDArray t) {
        NDArray bceElem = softplus(z).sub(z.mul(t));
        NDArray bce = bceElem.mean();
        NDArray p = Activation.sigmoid(z);
        NDArray q = Activation.sigmoid(p);
        long n = z.getShape().get(0);
        NDArray qf = q.reshape(n, -1);
        NDArray tf = t.reshape(n, -1);
        NDArray inter = qf.mul(tf).sum(new int[] {1});
        NDArray dice = Scalars.mul(inter, 2f).add(1e-5f).div(qf.sum(new int[] {1}).add(tf.sum(
                new int[] {1})).add(1e-5f)).neg().add(1f).mean();
        NDArray pt = p.mul(t).add(p.neg().add(1f).mul(t.neg().add(1f)));
        NDArray focal = pt.neg().add(1f).square().mul(bceElem).mean();
        return bce.add(dice).add(focal);
    }

    /** {@code MSE + MSGE} of HV predictions against targets, masked by {@code np}. */
    public static NDArray hvTerm(NDArray pred, NDArray target, NDArray np) {
        NDArray m = np.repeat(1, 2);
        NDArray mse = m.mul(pred).sub(m.mul(target)).square().mean();
        NDArray kernels = derivativeKernels(pred.getManager()).toDevice(pred.getDevice(), false);
        NDArray gp = Convolutions.conv2d(pred, kernels, null, new Shape(1, 1), new Shape(2, 2),
                new Shape(1, 1), 2);
        NDArray gt = Convolutions.conv2d(target, kernels, null, new Shape(1, 1),
                new Shape(2, 2), new Shape(1, 1), 2);
        NDArray msge = m.mul(gp.sub(gt).square()).sum().div(m.sum().add(1e-8f));
        return mse.add(msge);
    }

    /**
     * The 5×5 kernels (2, 1, 5, 5): {@code K_r[i, j] = i / (i² + j²)} for channel 0 and
     * {@code K_c[i, j] = j / (i² + j²)} for channel 1, offsets −2..2, centre 0 (spec §6.2).
     */
    static NDArray derivativeKernels(NDManager m) {
        float[] k = new float[50];
        for (int i = -2; i <= 2; i++) {
            for (int j = -2; j <= 2; j++) {
                int d = i * i + j * j;
                int at = (i + 2) * 5 + (j + 2);
                k[at] = d == 0 ? 0f : (float) i / d;
                k[25 + at] = d == 0 ? 0f : (float) j / d;
            }
        }
        return HostArrays.of(m, k, new Shape(2, 1, 5, 5));
    }

    /**
     * {@code CE + Dice + Focal + IoU} of type logits {@code (N, K, H, W)} against type ids
     * {@code (N, 1, H, W)}.
     */
    public NDArray typeTerm(NDArray logits, NDArray types) {
        Shape s = logits.getShape();
        long n = s.get(0);
        int k = (int) s.get(1);
        if (k != classWeights.length) {
            throw new IllegalArgumentException("type logits have " + k + " channels, the loss "
                    + classWeights.length + " class weights");
        }
        NDManager mgr = logits.getManager();
        NDArray y = types.reshape(n, 1, s.get(2), s.get(3)).toType(DataType.FLOAT32, false);
        NDArray onehot = mgr.arange(k).toType(DataType.FLOAT32, false).reshape(1, k, 1, 1)
                .eq(y).toType(DataType.FLOAT32, false);
        NDArray fg = y.gt(0).toType(DataType.FLOAT32, false);
        if (fg.sum().getFloat() == 0f) {
            return HostArrays.scalar(mgr, 0f).toDevice(logits.getDevice(), false);
        }
        NDArray w = HostArrays.of(mgr, classWeights, new Shape(1, k, 1, 1))
                .toDevice(logits.getDevice(), false);
        NDArray logp = logits.logSoftmax(1);
        NDArray pixelW = onehot.mul(w).sum(new int[] {1}, true).mul(fg);
        NDArray denominator = pixelW.sum();
        NDArray ce = denominator.getFloat() == 0f ? HostArrays.scalar(mgr, 0f)
                : onehot.mul(logp).sum(new int[] {1}, true).neg().mul(pixelW).sum()
                        .div(denominator);
        NDArray p = logits.softmax(1);
        NDArray q = p.softmax(1);
        NDIndex fgCh = new NDIndex(":, 1:");
        NDArray qf = q.get(fgCh).reshape(n, k - 1, -1);
        NDArray yf = onehot.get(fgCh).reshape(n, k - 1, -1);
        NDArray wf = w.get(fgCh).reshape(1, k - 1);
        NDArray inter = qf.mul(yf).sum(new int[] {2});
        NDArray dice = Scalars.mul(inter, 2f).add(1e-5f).div(qf.sum(new int[] {2}).add(yf.sum(
                new int[] {2})).add(1e-5f)).neg().add(1f).mul(wf).mean();
        NDArray pi = logits.get(fgCh).softmax(1);
        NDArray focal = pi.neg().add(1f).square().mul(pi.log()).neg().mul(onehot.get(fgCh))
                .mul(w.get(fgCh)).mean();
        NDArray pm = p.stopGradient().get(fgCh).gte(0.5f).toType(DataType.FLOAT32, false)
                .reshape(n, k - 1, -1);
        NDArray i = pm.mul(yf).sum(new int[] {2});
        NDArray u = pm.sum(new int[] {2}).add(yf.sum(new int[] {2})).sub(i);
        NDArray iou = i.div(u.add(1e-6f)).mean().neg().add(1f);
        return ce.toDevice(logits.getDevice(), false).add(dice).add(focal).add(iou);
    }

    /** {@code softplus(z) = max(z, 0) + log1p(exp(−|z|))}, stable. */
    static NDArray softplus(NDArray z) {
        return Scalars.maximum(z, 0f).add(z.abs().neg().exp().add(1f).log());
    }

    /** 1 on foreground pixels with a 4-neighbour of another value (image border excluded). */
    static NDArray contour(NDArray mask) {
        Shape s = mask.getShape();
        float[] v = mask.toFloatArray();
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        float[] out = new float[v.length];
        for (int b = 0; b < v.length / (h * w); b++) {
            int o = b * h * w;
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    float x = v[o + r * w + c];
                    if (x == 0f) {
                        continue;
                    }
                    boolean edge = (r > 0 && v[o + (r - 1) * w + c] != x)
                            || (r < h - 1 && v[o + (r + 1) * w + c] != x)
                            || (c > 0 && v[o + r * w + c - 1] != x)
                            || (c < w - 1 && v[o + r * w + c + 1] != x);
                    out[o + r * w + c] = edge ? 1f : 0f;
                }
            }
        }
        return HostArrays.of(mask.getManager(), out, s).toDevice(mask.getDevice(), false);
    }

    private static NDArray finiteOrZero(NDArray term) {
        float v = term.getFloat();
        return Float.isFinite(v) ? term : term.zerosLike();
    }
}
