package dev.freqmed.model.fpnunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.nn.ContainerBlock;

/**
 * The NP (binary) decoder of FPNuNet ({@code BinaryDecoder}, spec §5.1): three stages of
 * {@code Up} (Conv1 → PixelShuffle → BN → ReLU), a skip projection
 * {@code ReLU(BN(Conv1(k_i)))} and {@code ReLU(BN(Conv3(concat(x, s))))}; the stage features
 * {@code β_i} feed the HV and NC decoders. {@code bin} is the head of the last stage,
 * {@code boundary = Conv1(β_2)}.
 *
 * <p>Inputs {@code Z (N, F, g, g')}, {@code k0, k1', k2'}; outputs {@code bin (N, 1, 8g, 8g')},
 * {@code boundary} of the same shape, then {@code β_0, β_1, β_2}. The heads of stages 0 and 1
 * ({@code bin_heads.0}, {@code bin_heads.1}) feed only the deep-supervision outputs, which the
 * released run neither returns to the loss nor needs: they are kept for the checkpoint and not
 * computed. Keys: {@code upsamples.i}, {@code fusion_blocks.i.{conv_skip,conv_fusion}},
 * {@code bin_heads.i}, {@code final_boundary}. Reference:
 * {@code network/SAM_NuSCNet_modules.py} {@code BinaryDecoder}.
 */
final class BinaryDecoderBlock extends AbstractBlock {

    private final int[] widths;
    private final IndexedSequentialBlock[] ups = new IndexedSequentialBlock[3];
    private final IndexedSequentialBlock[] skips = new IndexedSequentialBlock[3];
    private final IndexedSequentialBlock[] fusions = new IndexedSequentialBlock[3];
    private final IndexedSequentialBlock lastHead;
    private final Block boundary;
    private final int headChannels;

    BinaryDecoderBlock(int fusion, int[] skipChannels, int headChannels) {
        this.widths = new int[] {fusion / 2, fusion / 4, fusion / 8};
        this.headChannels = headChannels;
        ContainerBlock upContainer = new ContainerBlock();
        ContainerBlock fusionContainer = new ContainerBlock();
        ContainerBlock heads = new ContainerBlock();
        int in = fusion;
        IndexedSequentialBlock head = null;
        for (int i = 0; i < 3; i++) {
            int b = widths[i];
            ups[i] = Ops.up(in, b);
            upContainer.add(ups[i], Layers.nchw(in));
            skips[i] = Ops.convBnRelu(skipChannels[i], b, 1, true);
            fusions[i] = Ops.convBnRelu(2 * b, b, 3, true);
            fusionContainer.add(new ContainerBlock()
                    .add("conv_skip", skips[i], Layers.nchw(skipChannels[i]))
                    .add("conv_fusion", fusions[i], Layers.nchw(2L * b)), Layers.nchw(b));
            head = Ops.head(b, headChannels, 1);
            heads.add(head, Layers.nchw(b));
            in = b;
        }
        lastHead = head;
        addChildBlock("upsamples", upContainer);
        addChildBlock("fusion_blocks", fusionContainer);
        addChildBlock("bin_heads", heads);
        boundary = addChildBlock("final_boundary", Layers.conv(1, 1, 1, 0, true));
    }

    /** Keys (relative to this block) of the heads that are never computed. */
    static java.util.List<String> unusedKeys() {
        java.util.List<String> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (String k : new String[] {"0.weight", "1.weight", "1.bias", "3.weight",
                "3.bias"}) {
                keys.add("bin_heads." + i + "." + k);
            }
        }
        return keys;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDList betas = new NDList();
        for (int i = 0; i < 3; i++) {
            x = Ops.run(ups[i], ps, x, training, params);
            NDArray s = Ops.run(skips[i], ps, inputs.get(1 + i), training, params);
            x = Ops.run(fusions[i], ps, NDArrays.concat(new NDList(x, s), 1), training, params);
            betas.add(x);
        }
        NDList out = new NDList(Ops.run(lastHead, ps, x, training, params),
                Ops.run(boundary, ps, x, training, params));
        out.addAll(betas);
        return out;
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        for (Block b : getChildren().values()) {
            b.initialize(manager, dataType, Layers.nchw(b == boundary ? widths[2] : 1));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape z = inputShapes[0];
        long n = z.get(0);
        long h = z.get(2);
        long w = z.get(3);
        return new Shape[] {new Shape(n, 1, 8 * h, 8 * w), new Shape(n, 1, 8 * h, 8 * w),
            new Shape(n, widths[0], 2 * h, 2 * w), new Shape(n, widths[1], 4 * h, 4 * w),
            new Shape(n, widths[2], 8 * h, 8 * w)};
    }
}
