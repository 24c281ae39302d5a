package dev.freqmed.backbone;

import dev.freqmed.nn.Layers;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.ContainerBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The EVP / SAM-Adapter prompt generator FPNuNet puts on both ViT encoders (spec §3.3). With
 * token width {@code D} and prompt width {@code d = D / r}:
 * <pre>
 * h   = tokens(Conv(3 → d, k = s = patch)(x_hf))          prompt_generator.proj
 * e   = Linear(D → d)(T0)                                 embedding_generator
 * p_i = Linear(d → D)(GELU(Linear_i(d → d)(h + e)))       lightweight_mlp_i.0, shared_mlp
 * </pre>
 * where {@code x_hf} is the centred-FFT high-pass image ({@code nn.freq.CentredHighPass}) and
 * {@code T0} the patch-embedding tokens.
 *
 * <p>Inputs: {@code x_hf (N, 3, H, W)} and {@code T0 (N, L, D)} with {@code L = (H/patch)·(W/patch)};
 * output: the {@code count} prompts, each {@code (N, L, D)}. Keys: {@code shared_mlp.*},
 * {@code embedding_generator.*}, {@code lightweight_mlp_i.0.*}, {@code prompt_generator.proj.*}.
 * Reference: SAM-Adapter {@code PromptGenerator} (prompt type high-pass, input type FFT).
 */
public final class PromptGeneratorBlock extends AbstractBlock {

    private final int dim;
    private final int promptDim;
    private final Linear shared;
    private final Linear embedding;
    private final List<Linear> lightweight = new ArrayList<>();
    private final Block proj;

    /**
     * @param dim       token width {@code D}
     * @param promptDim prompt width {@code d}
     * @param count     number of prompt sets
     * @param patchSize patch side of the encoder
     */
    public PromptGeneratorBlock(int dim, int promptDim, int count, int patchSize) {
        this.dim = dim;
        this.promptDim = promptDim;
        shared = addChildBlock("shared_mlp", Layers.linear(dim, true));
        embedding = addChildBlock("embedding_generator", Layers.linear(promptDim, true));
        for (int i = 0; i < count; i++) {
            Linear l = Layers.linear(promptDim, true);
            lightweight.add(l);
            addChildBlock("lightweight_mlp_" + i, new ContainerBlock().add(l,
                    new Shape(1, promptDim)));
        }
        proj = Layers.conv(promptDim, patchSize, patchSize, 0, true);
        addChildBlock("prompt_generator", new ContainerBlock().add("proj", proj,
                Layers.nchw(3)));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray hf = inputs.get(0);
        NDArray t0 = inputs.get(1);
        NDArray h = proj.forward(ps, new NDList(hf), training, params).singletonOrThrow();
        Shape hs = h.getShape();
        h = h.reshape(hs.get(0), promptDim, hs.get(2) * hs.get(3)).transpose(0, 2, 1);
        NDArray e = embedding.forward(ps, new NDList(t0), training, params).singletonOrThrow();
        NDArray he = h.add(e);
        NDList prompts = new NDList();
        for (Linear l : lightweight) {
            NDArray z = l.forward(ps, new NDList(he), training, params).singletonOrThrow()
                    .getNDArrayInternal().gelu();
            prompts.add(shared.forward(ps, new NDList(z), training, params).singletonOrThrow());
        }
        return prompts;
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        shared.initialize(manager, dataType, new Shape(1, promptDim));
        embedding.initialize(manager, dataType, new Shape(1, dim));
        for (Block b : getChildren().values()) {
            if (b instanceof ContainerBlock) {
                b.initialize(manager, dataType, new Shape(1, promptDim));
            }
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] out = new Shape[lightweight.size()];
        java.util.Arrays.fill(out, inputShapes[1]);
        return out;
    }
}
