package dev.freqmed.backbone;

import dev.freqmed.nn.Layers;
import dev.freqmed.nn.IndexedSequentialBlock;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * The PVT-v2 encoder without classification head. Input (N, 3, H, W) with H and W multiples of
 * 32; output four maps (N, C<sub>k</sub>, H/2<sup>k+1</sup>, W/2<sup>k+1</sup>), k = 1..4.
 *
 * <p>Children follow the reference keys: {@code patch_embed1..4}, {@code block1..4.<i>},
 * {@code norm1..4}. Block and stage norms use ε 1e-6; patch-embed and reduction norms 1e-5.
 * Reference: whai362/PVT {@code pvt_v2.py} ({@code PyramidVisionTransformerV2}).
 */
public final class PvtV2 extends AbstractBlock {

    private final PvtV2Config config;
    private final int inChannels;
    private final List<OverlapPatchEmbedBlock> embeds = new ArrayList<>();
    private final List<IndexedSequentialBlock> stages = new ArrayList<>();
    private final List<LayerNorm> norms = new ArrayList<>();

    /**
     * Builds the encoder.
     *
     * @param config     stage layout
     * @param inChannels input channels (3 for RGB)
     */
    public PvtV2(PvtV2Config config, int inChannels) {
        this.config = config;
        this.inChannels = inChannels;
        int total = config.depths().stream().mapToInt(Integer::intValue).sum();
        int cur = 0;
        int prev = inChannels;
        for (int s = 0; s < 4; s++) {
            int dim = config.embedDims().get(s);
            int patch = s == 0 ? 7 : 3;
            int stride = s == 0 ? 4 : 2;
            embeds.add(addChildBlock("patch_embed" + (s + 1),
                    new OverlapPatchEmbedBlock(prev, dim, patch, stride)));
            prev = dim;
        }
        for (int s = 0; s < 4; s++) {
            int dim = config.embedDims().get(s);
            IndexedSequentialBlock stage = new IndexedSequentialBlock();
            for (int i = 0; i < config.depths().get(s); i++) {
                // Stochastic depth rises linearly from 0 over all blocks (torch.linspace).
                double rate = total == 1 ? 0 : config.dropPathRate() * (cur + i) / (total - 1);
                stage.add(new PvtV2LayerBlock(dim, config.numHeads().get(s),
                        config.mlpRatios().get(s), config.srRatios().get(s), rate),
                        new Shape(1, 8, 8, dim));
            }
            cur += config.depths().get(s);
            stages.add(addChildBlock("block" + (s + 1), stage));
            norms.add(addChildBlock("norm" + (s + 1), Layers.layerNorm(1e-6f, 4)));
        }
    }

    /** The configuration. */
    public PvtV2Config config() {
        return config;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDList outs = new NDList(4);
        for (int s = 0; s < 4; s++) {
            NDArray t = embeds.get(s).forward(ps, new NDList(x), training, params)
                    .singletonOrThrow();
            t = stages.get(s).forward(ps, new NDList(t), training, params).singletonOrThrow();
            t = norms.get(s).forward(ps, new NDList(t), training, params).singletonOrThrow();
            x = t.transpose(0, 3, 1, 2);
            outs.add(x);
        }
        return outs;
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        int prev = inChannels;
        for (int s = 0; s < 4; s++) {
            int dim = config.embedDims().get(s);
            embeds.get(s).initialize(manager, dataType, Layers.nchw(prev));
            stages.get(s).initialize(manager, dataType, new Shape(1, 8, 8, dim));
            norms.get(s).initialize(manager, dataType, new Shape(1, 8, 8, dim));
            prev = dim;
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Shape[] out = new Shape[4];
        for (int s = 0; s < 4; s++) {
            long f = 4L << s;
            out[s] = new Shape(in.get(0), config.embedDims().get(s), in.get(2) / f, in.get(3) / f);
        }
        return out;
    }
}
