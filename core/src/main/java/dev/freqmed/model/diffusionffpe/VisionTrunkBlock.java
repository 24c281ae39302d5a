package dev.freqmed.model.diffusionffpe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.backbone.diffusion.SdBlock;
import dev.freqmed.backbone.diffusion.SdLayers;
import dev.freqmed.nn.MlpBlock;
import dev.freqmed.nn.ParameterViews;
import dev.freqmed.nn.VitBlock;

/**
 * The frozen ViT of the vision-aided discriminator, in timm's {@code VisionTransformer} layout
 * (CONCH's {@code visual.trunk}): {@code patch_embed.proj} (conv, kernel = stride = patch),
 * {@code cls_token}, {@code pos_embed} {@code (1, 1 + g², D)}, {@code blocks.i} (pre-norm, qkv
 * bias, MLP ×4, LayerNorm eps 1e-6) and the final {@code norm} (held for the keys, unused: timm's
 * {@code get_intermediate_layers} returns blocks without it).
 *
 * <p>Input {@code (N, 3, S, S)} already normalised, {@code S = g·patch}; outputs the patch tokens
 * (class token stripped) of the requested blocks as maps {@code (N, D, g, g)}, then, for the last
 * requested block, token 0 of the stripped sequence {@code (N, D)} — the top-left patch token, not
 * the class token, exactly as the reference (spec §4, ⚠). Reference: timm 0.9
 * {@code vision_transformer.py}; vision-aided-gan {@code cvmodel/conch}.
 */
final class VisionTrunkBlock extends SdBlock {

    private final int grid;
    private final int dim;
    private final int[] levels;
    private final Block patchEmbed;
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final Block[] blocks;

    VisionTrunkBlock(int image, int patch, int dim, int depth, int heads, java.util.List<Integer> levels) {
        this.grid = image / patch;
        this.dim = dim;
        this.levels = levels.stream().mapToInt(Integer::intValue).toArray();
        Container pe = add("patch_embed", new Container());
        patchEmbed = pe.put("proj", SdLayers.plain().conv("patch_embed.proj", 3, dim, patch,
                patch, 0, true));
        clsToken = addParameter(Parameter.builder().setName("cls_token")
                .setType(Parameter.Type.WEIGHT).optShape(new Shape(1, 1, dim)).build());
        posEmbed = addParameter(Parameter.builder().setName("pos_embed")
                .setType(Parameter.Type.WEIGHT).optShape(new Shape(1, 1 + (long) grid * grid, dim))
                .build());
        dev.freqmed.backbone.diffusion.SdList list = add("blocks",
                new dev.freqmed.backbone.diffusion.SdList());
        blocks = new Block[depth];
        Shape tokens = new Shape(1, 1 + (long) grid * grid, dim);
        for (int i = 0; i < depth; i++) {
            blocks[i] = list.append(new SdLayers.Layer(VitBlock.builder().setDim(dim)
                    .setHeads(heads).optMlpNaming(MlpBlock.Naming.TIMM).optQkvBias(true)
                    .optNormEps(1e-6f).build(), tokens));
        }
        add("norm", SdLayers.layerNorm(dim, 1e-6f));
    }

    /** Grid side of the patch tokens. */
    int grid() {
        return grid;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.head();
        long n = x.getShape().get(0);
        NDArray t = call(patchEmbed, ps, x, training);
        t = t.reshape(n, dim, (long) grid * grid).transpose(0, 2, 1);
        NDArray cls = ParameterViews.value(ps, clsToken, x, training)
                .broadcast(n, 1, dim);
        t = NDArrays.concat(new NDList(cls, t), 1)
                .add(ps.getValue(posEmbed, x.getDevice(), training));
        NDList out = new NDList();
        int last = levels[levels.length - 1];
        for (int i = 0; i < last; i++) {
            t = call(blocks[i], ps, t, training);
            for (int l = 0; l < levels.length; l++) {
                if (levels[l] == i + 1) {
                    NDArray patches = t.get(":, 1:, :");
                    if (l < levels.length - 1) {
                        out.add(patches.transpose(0, 2, 1).reshape(n, dim, grid, grid));
                    } else {
                        out.add(patches.get(":, 0, :"));
                    }
                }
            }
        }
        return out;
    }
}
