package dev.freqmed.nn.freq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.ContainerBlock;

/**
 * CBAM attention (reduction 16, spatial kernel 7), as FPNuNet's PFAE applies it to DCT
 * coefficients (spec §4.2): {@code Ca(z) = σ(MLP(GAP(z)) + MLP(GMP(z)))} with
 * {@code MLP = Conv1 nb(c → max(c/16, 1)) → ReLU → Conv1 nb(→ c)}, {@code z ← z ⊙ Ca(z)}; then
 * {@code Sa(z) = σ(Conv7 nb(2 → 1)(concat(mean_c z, max_c z)))}, {@code z ← z ⊙ Sa(z)}.
 *
 * <p>Input and output {@code (N, c, H, W)}. Keys: {@code ca.mlp.0.weight}
 * {@code (c/16, c, 1, 1)}, {@code ca.mlp.2.weight}, {@code sa.conv.weight (1, 2, 7, 7)}.
 * Reference: {@code network/sam_pfae_fusion_neck_modules.py} {@code CBAM}.
 */
public final class CbamBlock extends AbstractBlock {

    private final int channels;
    private final IndexedSequentialBlock mlp;
    private final ai.djl.nn.Block spatial;

    /** @param channels input channels {@code c} */
    public CbamBlock(int channels) {
        this.channels = channels;
        int hidden = Math.max(channels / 16, 1);
        mlp = new IndexedSequentialBlock()
                .add(Layers.conv(hidden, 1, 1, 0, false), Layers.nchw(channels))
                .add(Activation::relu)
                .add(Layers.conv(channels, 1, 1, 0, false), Layers.nchw(hidden));
        spatial = Layers.conv(1, 7, 1, 3, false);
        addChildBlock("ca", new ContainerBlock().add("mlp", mlp, Layers.nchw(channels)));
        addChildBlock("sa", new ContainerBlock().add("conv", spatial, Layers.nchw(2)));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray z = inputs.singletonOrThrow();
        Shape s = z.getShape();
        NDArray flat = z.reshape(s.get(0), s.get(1), s.get(2) * s.get(3));
        NDArray avg = flat.mean(new int[] {2}, true).expandDims(3);
        NDArray max = flat.max(new int[] {2}, true).expandDims(3);
        NDArray ca = mlp.forward(ps, new NDList(avg), training, params).singletonOrThrow()
                .add(mlp.forward(ps, new NDList(max), training, params).singletonOrThrow());
        z = z.mul(Activation.sigmoid(ca));
        NDArray pooled = NDArrays.concat(new NDList(z.mean(new int[] {1}, true),
                z.max(new int[] {1}, true)), 1);
        NDArray sa = spatial.forward(ps, new NDList(pooled), training, params).singletonOrThrow();
        return new NDList(z.mul(Activation.sigmoid(sa)));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        for (ai.djl.nn.Block b : getChildren().values()) {
            b.initialize(manager, dataType, Layers.nchw(channels));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
