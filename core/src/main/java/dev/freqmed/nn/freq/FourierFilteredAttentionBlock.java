package dev.freqmed.nn.freq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.tensor.Fft2;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Scalars;

/**
 * FAF-Net's intra-class commonality miner with the adaptive Fourier filter (reference:
 * {@code models/Modules.py cross_att}; spec §3): multi-head cross-attention of one prototype over
 * the pixels of a feature map, whose attention logits are filtered in the frequency domain by
 * amplitude and phase maps generated from that same feature map.
 *
 * <p>Input: {@code NDList(prototype (1, C), features (1, C, h, w))}; output the attended vector
 * (1, C) (the caller adds the residual prototype). With m heads and head width d = C (the
 * reference's {@code dim_hid = m·dim_K}):
 * <ol>
 *   <li>{@code q = fc_q(p)}, {@code K = fc_k(F)}, {@code V = fc_v(F)} over the pixels in
 *       row-major order; logits {@code a_h = q_h K_h^T / sqrt(C)} reshaped to (m, h, w);</li>
 *   <li>filters: {@code A1 = amp_res1(F)}, {@code A2 = amp_res2(A1) + A1},
 *       {@code A3 = amp_res3(A2)} (m, h, w), {@code Φ_amp = down1(A3)} reshaped to
 *       (m, h, w/2+1); {@code Φ_pha} likewise with the {@code pha_*} layers;</li>
 *   <li>{@link #filter}: the logits' rfft2, amplitude and phase angle multiplied by
 *       {@code Φ_amp} and {@code Φ_pha}, irfft2 back to (m, h, w)
 *       ({@link #inverseRealFft2});</li>
 *   <li>softmax over the h·w positions, {@code o_h = α_h V_h}, {@code fc_o(concat_h o_h)}.</li>
 * </ol>
 *
 * <p>Child names follow the reference keys ({@code fc_q}, {@code amp_res2.1.weight},
 * {@code down1.weight}, ...). The reference fixes {@code down1/down2} to
 * {@code Linear(4225 → 2145)}, i.e. a 65×65 feature map.
 * DEVIATION: here they are {@code Linear(h·w → h·(w/2+1))} for the feature side given at
 * construction, so that smaller inputs train on a CPU; {@code strict} keeps the reference's
 * fixed 65×65 and refuses anything else.
 */
public final class FourierFilteredAttentionBlock extends AbstractBlock {

    /** The feature side the reference's filter layers are sized for (4225 = 65·65). */
    public static final int REFERENCE_SIDE = 65;

    private final int channels;
    private final int heads;
    private final int side;
    private final Linear fcQ;
    private final Linear fcK;
    private final Linear fcV;
    private final Linear fcO;
    private final IndexedSequentialBlock ampRes1;
    private final IndexedSequentialBlock ampRes2;
    private final IndexedSequentialBlock ampRes3;
    private final IndexedSequentialBlock phaRes1;
    private final IndexedSequentialBlock phaRes2;
    private final IndexedSequentialBlock phaRes3;
    private final Linear down1;
    private final Linear down2;

    /**
     * @param channels feature and prototype channels C
     * @param heads    attention heads m (the hidden width is m·C)
     * @param side     feature-map side h = w the filter layers are sized for
     * @param strict   require {@code side == 65} (the reference's fixed size)
     * @throws IllegalArgumentException for non-positive sizes, or a side other than 65 in strict
     *                                  mode
     */
    public FourierFilteredAttentionBlock(int channels, int heads, int side, boolean strict) {
        if (channels < 1 || heads < 1 || side < 1) {
            throw new IllegalArgumentException("channels, heads and side must be positive, found "
                    + channels + ", " + heads + ", " + side);
        }
        if (strict && side != REFERENCE_SIDE) {
            throw new IllegalArgumentException("the strict (reference) Fourier filter needs a "
                    + REFERENCE_SIDE + "x" + REFERENCE_SIDE + " feature map, found " + side + "x"
                    + side);
        }
        this.channels = channels;
        this.heads = heads;
        this.side = side;
        int hidden = heads * channels;
        fcQ = addChildBlock("fc_q", Layers.linear(hidden, true));
        fcK = addChildBlock("fc_k", Layers.linear(hidden, true));
        fcV = addChildBlock("fc_v", Layers.linear(hidden, true));
        fcO = addChildBlock("fc_o", Layers.linear(channels, true));
        ampRes1 = addChildBlock("amp_res1", res1());
        ampRes2 = addChildBlock("amp_res2", res2());
        ampRes3 = addChildBlock("amp_res3", res3());
        phaRes1 = addChildBlock("pha_res1", res1());
        phaRes2 = addChildBlock("pha_res2", res2());
        phaRes3 = addChildBlock("pha_res3", res3());
        int bins = side * (side / 2 + 1);
        down1 = addChildBlock("down1", Layers.linear(bins, true));
        down2 = addChildBlock("down2", Layers.linear(bins, true));
    }

    private IndexedSequentialBlock res1() {
        return new IndexedSequentialBlock().add(Layers.conv(channels, 1, 1, 0, false),
                Layers.nchw(channels));
    }

    private IndexedSequentialBlock res2() {
        return new IndexedSequentialBlock().add(x -> x.getNDArrayInternal().relu())
                .add(Layers.conv(channels, 3, 1, 1, false), Layers.nchw(channels));
    }

    private IndexedSequentialBlock res3() {
        return new IndexedSequentialBlock().add(x -> x.getNDArrayInternal().relu())
                .add(Layers.conv(heads, 1, 1, 0, false), Layers.nchw(channels))
                .add(x -> x.getNDArrayInternal().relu());
    }

    /** The feature side this block takes. */
    public int side() {
        return side;
    }

    /**
     * The adaptive Fourier filter of attention logits (spec §3): {@code Â = rfft2(a)} (no
     * scaling), {@code amp' = Φ_amp·|Â|}, {@code pha' = Φ_pha·angle(Â)} (angle in (−π, π]),
     * {@code a' = irfft2(amp'·cos pha' + i·amp'·sin pha', s = (h, w))} with the 1/(h·w) scaling;
     * the inverse ignores the imaginary part of the zero-frequency column (and of the Nyquist
     * column for an even w), as torch's {@code irfft2} does.
     *
     * @param logits   (m, h, w)
     * @param ampScale (m, h, w/2+1)
     * @param phaScale (m, h, w/2+1)
     * @return (m, h, w)
     * @throws IllegalArgumentException when the filter shapes do not fit the logits
     */
    public static NDArray filter(NDArray logits, NDArray ampScale, NDArray phaScale) {
        Shape s = logits.getShape();
        long h = s.get(1);
        long w = s.get(2);
        Shape half = new Shape(s.get(0), h, w / 2 + 1);
        if (!ampScale.getShape().equals(half) || !phaScale.getShape().equals(half)) {
            throw new IllegalArgumentException("Fourier filter maps must be " + half
                    + " for logits " + s + ", found " + ampScale.getShape() + " and "
                    + phaScale.getShape());
        }
        NDArray spectrum = Fft2.rfft2(logits);
        NDArray amp = Fft2.abs(spectrum).mul(ampScale);
        // angle(z) = atan2(Im z, Re z), 0 at z = 0 (torch.angle). Bins with |z| < 1e-6 (exactly
        // zero for constant logits, which have no spectrum off DC) are evaluated as atan2(0, 1):
        // their phase is rounding noise, and atan2's gradient there (∝ 1/|z|) would be 0/0 or
        // large enough to overflow.
        // DEVIATION: torch differentiates the phase of such bins as is.
        NDArray re = Fft2.realPart(spectrum);
        NDArray im = Fft2.imagPart(spectrum);
        NDArray nonZero = re.square().add(im.square()).gt(1e-12f)
                .toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        NDArray pha = im.mul(nonZero).atan2(re.mul(nonZero).add(nonZero.neg().add(1)))
                .mul(phaScale);
        return inverseRealFft2(amp.mul(pha.cos()), amp.mul(pha.sin()), h, w);
    }

    /**
     * {@code irfft2(re + i·im, s = (h, w), norm = "backward")} written with real matrix products,
     * so that autograd never has to build a complex tensor from real parts (the engine's
     * {@code view_as_complex} is not differentiable). Same maths as pocketfft's c2r: an inverse
     * complex DFT along H, then the real part of the Hermitian inverse along W, where bin 0 (and
     * bin w/2 for an even w) count once and the others twice:
     * {@code a[y,x] = 1/(hw) Σ_kx c_kx (P[y,kx] cos θ − Q[y,kx] sin θ)}, θ = 2π·kx·x/w,
     * {@code P + iQ} the inverse DFT along H of {@code re + i·im}.
     *
     * @param re real parts (..., h, w/2+1)
     * @param im imaginary parts, same shape
     * @return (..., h, w)
     */
    public static NDArray inverseRealFft2(NDArray re, NDArray im, long h, long w) {
        int hh = (int) h;
        int ww = (int) w;
        int bins = ww / 2 + 1;
        float[] cy = new float[hh * hh];
        float[] sy = new float[hh * hh];
        for (int y = 0; y < hh; y++) {
            for (int k = 0; k < hh; k++) {
                double t = 2 * Math.PI * ((long) y * k % hh) / hh;
                cy[y * hh + k] = (float) Math.cos(t);
                sy[y * hh + k] = (float) Math.sin(t);
            }
        }
        float[] cx = new float[bins * ww];
        float[] sx = new float[bins * ww];
        for (int k = 0; k < bins; k++) {
            double c = (k == 0 || (ww % 2 == 0 && k == ww / 2)) ? 1 : 2;
            for (int x = 0; x < ww; x++) {
                double t = 2 * Math.PI * ((long) k * x % ww) / ww;
                cx[k * ww + x] = (float) (c * Math.cos(t) / (h * w));
                sx[k * ww + x] = (float) (c * Math.sin(t) / (h * w));
            }
        }
        ai.djl.ndarray.NDManager m = re.getManager();
        NDArray cyA = HostArrays.of(m, cy, new Shape(hh, hh));
        NDArray syA = HostArrays.of(m, sy, new Shape(hh, hh));
        NDArray cxA = HostArrays.of(m, cx, new Shape(bins, ww));
        NDArray sxA = HostArrays.of(m, sx, new Shape(bins, ww));
        NDArray p = cyA.matMul(re).sub(syA.matMul(im));
        NDArray q = syA.matMul(re).add(cyA.matMul(im));
        return p.matMul(cxA).sub(q.matMul(sxA));
    }

    /**
     * The filter maps generated from a feature map.
     *
     * @param features (1, C, h, w)
     * @return {@code Φ_amp}, {@code Φ_pha}, each (m, h, w/2+1)
     */
    public NDList filterMaps(ParameterStore ps, NDArray features, boolean training) {
        NDArray a1 = ampRes1.forward(ps, new NDList(features), training).singletonOrThrow();
        NDArray a2 = ampRes2.forward(ps, new NDList(a1), training).singletonOrThrow().add(a1);
        NDArray a3 = ampRes3.forward(ps, new NDList(a2), training).singletonOrThrow();
        NDArray p1 = phaRes1.forward(ps, new NDList(features), training).singletonOrThrow();
        NDArray p2 = phaRes2.forward(ps, new NDList(p1), training).singletonOrThrow().add(p1);
        NDArray p3 = phaRes3.forward(ps, new NDList(p2), training).singletonOrThrow();
        Shape half = new Shape(heads, side, side / 2 + 1);
        NDArray amp = down1.forward(ps, new NDList(a3.reshape(heads, (long) side * side)),
                training).singletonOrThrow().reshape(half);
        NDArray pha = down2.forward(ps, new NDList(p3.reshape(heads, (long) side * side)),
                training).singletonOrThrow().reshape(half);
        return new NDList(amp, pha);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray p = inputs.get(0);
        NDArray f = inputs.get(1);
        Shape fs = f.getShape();
        if (fs.dimension() != 4 || fs.get(0) != 1 || fs.get(1) != channels || fs.get(2) != side
                || fs.get(3) != side) {
            throw new IllegalArgumentException("Fourier-filtered attention takes features (1, "
                    + channels + ", " + side + ", " + side + "), found " + fs);
        }
        long n = (long) side * side;
        NDArray tokens = f.reshape(channels, n).transpose(); // (N, C), row-major pixels
        NDArray q = fcQ.forward(ps, new NDList(p), training).singletonOrThrow()
                .reshape(heads, 1, channels);
        NDArray k = fcK.forward(ps, new NDList(tokens), training).singletonOrThrow()
                .reshape(n, heads, channels).transpose(1, 0, 2);
        NDArray v = fcV.forward(ps, new NDList(tokens), training).singletonOrThrow()
                .reshape(n, heads, channels).transpose(1, 0, 2);
        NDArray logits = Scalars.div(q.matMul(k.transpose(0, 2, 1)), Math.sqrt(channels))
                .reshape(heads, side, side);
        NDList maps = filterMaps(ps, f, training);
        NDArray filtered = filter(logits, maps.get(0), maps.get(1));
        NDArray alpha = filtered.reshape(heads, 1, n).softmax(-1);
        NDArray o = alpha.matMul(v).reshape(1, (long) heads * channels);
        return fcO.forward(ps, new NDList(o), training);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        fcQ.initialize(manager, dataType, new Shape(1, channels));
        fcK.initialize(manager, dataType, new Shape(1, channels));
        fcV.initialize(manager, dataType, new Shape(1, channels));
        fcO.initialize(manager, dataType, new Shape(1, (long) heads * channels));
        for (IndexedSequentialBlock b : new IndexedSequentialBlock[] {ampRes1, ampRes2, ampRes3,
            phaRes1, phaRes2, phaRes3}) {
            b.initialize(manager, dataType, Layers.nchw(channels));
        }
        down1.initialize(manager, dataType, new Shape(heads, (long) side * side));
        down2.initialize(manager, dataType, new Shape(heads, (long) side * side));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(1, channels)};
    }
}
