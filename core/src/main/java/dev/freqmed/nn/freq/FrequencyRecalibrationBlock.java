package dev.freqmed.nn.freq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.Conv2dBlock;
import dev.freqmed.nn.KerasInitializers;

/**
 * FRCU-Net's frequency re-calibration (spec §3; reference: FRCU-Net {@code new_model.py}). The
 * input {@code X} is split into bands {@code L_0..L_K} by a {@link GaussianBandStack}; each band is
 * re-weighted per channel by a shared three-layer attention MLP on its global average,
 * {@code a_l = σ(W2 ReLU(W1 ReLU(W0 GAP(L_l))))} (no biases), {@code m_l = L_l ⊙ a_l}; the
 * re-weighted bands are concatenated {@code [m_0 | … | m_K]} and fused by a 1×1 convolution
 * without bias followed by ReLU: {@code F = ReLU(W_f [m_0 | … | m_K])}.
 *
 * <p>The fusion is the reference's {@code Conv3D(C, (1, 1, K+1))} over the band axis, written as
 * a 1×1 convolution with weight {@code W_f[o, l·C + c] = K3d[0, 0, l, c, o]} (spec §3.4).
 *
 * <p>Children: {@code band_stack}, {@code attention_fc0} ({@code C → C}), {@code attention_fc1}
 * ({@code C → hidden}), {@code attention_fc2} ({@code hidden → C}), {@code fusion}
 * ({@code (K+1)·C → C}). The MLP and fusion use Keras he_normal. Input and output
 * {@code (N, C, H, W)}.
 */
public final class FrequencyRecalibrationBlock extends AbstractBlock {

    private final int channels;
    private final GaussianBandStack bandStack;
    private final Linear fc0;
    private final Linear fc1;
    private final Linear fc2;
    private final Conv2dBlock fusion;

    /** The reference block: 3/5/7/9 Gaussians, hidden width {@code hidden} (32 in the paper). */
    public FrequencyRecalibrationBlock(int channels, int hidden) {
        this(new GaussianBandStack(channels), hidden);
    }

    /**
     * @param bandStack the band decomposition; its channel count is the block's
     * @param hidden    width of the attention MLP's bottleneck layer
     * @throws IllegalArgumentException if {@code hidden} is not positive
     */
    public FrequencyRecalibrationBlock(GaussianBandStack bandStack, int hidden) {
        if (hidden <= 0) {
            throw new IllegalArgumentException("attention hidden width must be > 0, found "
                    + hidden);
        }
        this.channels = bandStack.channels();
        this.bandStack = addChildBlock("band_stack", bandStack);
        this.fc0 = addChildBlock("attention_fc0", dense(channels));
        this.fc1 = addChildBlock("attention_fc1", dense(hidden));
        this.fc2 = addChildBlock("attention_fc2", dense(channels));
        this.fusion = addChildBlock("fusion", Conv2dBlock.builder()
                .setInChannels(bandStack.bandCount() * channels)
                .setOutChannels(channels)
                .setKernel(1)
                .optBias(false)
                .optInitializer(KerasInitializers.heNormal())
                .build());
    }

    private static Linear dense(int units) {
        Linear l = Linear.builder().setUnits(units).optBias(false).build();
        l.setInitializer(KerasInitializers.heNormal(), Parameter.Type.WEIGHT);
        return l;
    }

    /** The band decomposition. */
    public GaussianBandStack bandStack() {
        return bandStack;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDList bands = bandStack.forward(ps, new NDList(x), training);
        int k = bands.size();
        long n = x.getShape().get(0);
        // One pass of the shared MLP over all bands: (K+1)·N rows of GAP vectors.
        NDList pooled = new NDList(k);
        for (NDArray band : bands) {
            // GAP; the PyTorch engine's mean takes one axis, so flatten H·W first.
            pooled.add(band.reshape(n, channels, -1).mean(new int[] {2}));
        }
        NDArray z = NDArrays.concat(pooled, 0);
        NDArray h = Activation.relu(run(fc0, z, ps, training));
        h = Activation.relu(run(fc1, h, ps, training));
        NDArray a = Activation.sigmoid(run(fc2, h, ps, training));
        NDList weighted = new NDList(k);
        for (int l = 0; l < k; l++) {
            NDArray al = a.get(l * n + ":" + (l + 1) * n).reshape(n, channels, 1, 1);
            weighted.add(bands.get(l).mul(al));
        }
        NDArray m = NDArrays.concat(weighted, 1);
        return new NDList(Activation.relu(run(fusion, m, ps, training)));
    }

    private static NDArray run(Block b, NDArray x, ParameterStore ps, boolean training) {
        return b.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        bandStack.initialize(manager, dataType, s);
        Shape vec = new Shape(s.get(0), channels);
        fc0.initialize(manager, dataType, vec);
        fc1.initialize(manager, dataType, vec);
        fc2.initialize(manager, dataType, fc1.getOutputShapes(new Shape[] {vec}));
        fusion.initialize(manager, dataType,
                new Shape(s.get(0), (long) bandStack.bandCount() * channels, s.get(2), s.get(3)));
    }
}
