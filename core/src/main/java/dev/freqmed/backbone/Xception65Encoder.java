package dev.freqmed.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.BatchNorms;
import dev.freqmed.nn.Blocks;
import dev.freqmed.nn.Conv2dBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The DeepLabv3+ Xception-65 encoder at output stride 16 (entry block 3 stride 2, middle rate 1,
 * exit rates 1 and 2), as used by FRCU-Net (spec §2.3; reference: keras-deeplab-v3-plus
 * {@code Deeplabv3} with {@code backbone="xception", OS=16}).
 *
 * <p>Input {@code (N, 3, H, W)}. Output, in this order ({@link Tap}):
 * {@code E (N, 2048w, H/16, W/16)}, {@code x0 (N, 64w, H/2, W/2)},
 * {@code x1 (N, 128w, H/4, W/4)}, {@code x2 (N, 256w, H/8, W/8)}, where {@code w} scales channel
 * counts ({@link Blocks#scaleChannels}). Sizes are {@code ceil} divisions for other inputs.
 *
 * <p>Children carry the Keras layer names: {@code entry_flow_conv1_1}, {@code entry_flow_conv1_1_BN},
 * {@code entry_flow_conv1_2}, {@code entry_flow_conv1_2_BN}, {@code entry_flow_block1..3},
 * {@code middle_flow_unit_1..M}, {@code exit_flow_block1}, {@code exit_flow_block2}.
 */
public final class Xception65Encoder extends AbstractBlock {

    /** The outputs, in NDList order; each array is named with the enum name. */
    public enum Tap {
        /** Encoder output at stride 16. */
        E,
        /** Stem output at stride 2. */
        X0,
        /** Entry block 1 output at stride 4. */
        X1,
        /** Entry block 2 output at stride 8. */
        X2
    }

    private final int outChannels;
    private final int[] tapChannels;
    private final Conv2dBlock conv11;
    private final BatchNorm bn11;
    private final Conv2dBlock conv12;
    private final BatchNorm bn12;
    private final List<XceptionBlock> blocks = new ArrayList<>();

    /**
     * @param widthMultiplier scales every channel count (1.0 = the paper's network)
     * @param middleBlocks    number of middle-flow units (16 in Xception-65)
     * @param bnMomentum      BatchNorm momentum in the Keras convention (0.99); epsilon is 1e-3
     * @throws IllegalArgumentException for a non-positive multiplier or negative block count
     */
    public Xception65Encoder(double widthMultiplier, int middleBlocks, float bnMomentum) {
        if (middleBlocks < 0) {
            throw new IllegalArgumentException("middleBlocks must be >= 0, found " + middleBlocks);
        }
        int c32 = Blocks.scaleChannels(32, widthMultiplier);
        int c64 = Blocks.scaleChannels(64, widthMultiplier);
        int c128 = Blocks.scaleChannels(128, widthMultiplier);
        int c256 = Blocks.scaleChannels(256, widthMultiplier);
        int c728 = Blocks.scaleChannels(728, widthMultiplier);
        int c1024 = Blocks.scaleChannels(1024, widthMultiplier);
        int c1536 = Blocks.scaleChannels(1536, widthMultiplier);
        int c2048 = Blocks.scaleChannels(2048, widthMultiplier);
        float eps = BatchNorms.KERAS_EPSILON;
        // TF "same" at stride 2: on an even size this pads 0 top/left and 1 bottom/right.
        conv11 = addChildBlock("entry_flow_conv1_1", Conv2dBlock.builder()
                .setInChannels(3).setOutChannels(c32).setKernel(3).optStride(2).optBias(false)
                .build());
        bn11 = addChildBlock("entry_flow_conv1_1_BN", BatchNorms.keras(eps, bnMomentum));
        conv12 = addChildBlock("entry_flow_conv1_2", Conv2dBlock.builder()
                .setInChannels(c32).setOutChannels(c64).setKernel(3).optBias(false).build());
        bn12 = addChildBlock("entry_flow_conv1_2_BN", BatchNorms.keras(eps, bnMomentum));
        XceptionBlock.Skip conv = XceptionBlock.Skip.CONV;
        add("entry_flow_block1", new XceptionBlock(c64, new int[] {c128, c128, c128}, conv, 2, 1,
                false, bnMomentum));
        add("entry_flow_block2", new XceptionBlock(c128, new int[] {c256, c256, c256}, conv, 2, 1,
                false, bnMomentum));
        add("entry_flow_block3", new XceptionBlock(c256, new int[] {c728, c728, c728}, conv, 2, 1,
                false, bnMomentum));
        for (int i = 1; i <= middleBlocks; i++) {
            add("middle_flow_unit_" + i, new XceptionBlock(c728, new int[] {c728, c728, c728},
                    XceptionBlock.Skip.SUM, 1, 1, false, bnMomentum));
        }
        add("exit_flow_block1", new XceptionBlock(c728, new int[] {c728, c1024, c1024}, conv, 1, 1,
                false, bnMomentum));
        add("exit_flow_block2", new XceptionBlock(c1024, new int[] {c1536, c1536, c2048},
                XceptionBlock.Skip.NONE, 1, 2, true, bnMomentum));
        this.outChannels = c2048;
        this.tapChannels = new int[] {c64, c128, c256};
    }

    private void add(String name, XceptionBlock block) {
        blocks.add(addChildBlock(name, block));
    }

    /** Channels of {@code E}. */
    public int outChannels() {
        return outChannels;
    }

    /** Channels of the taps {@code x0, x1, x2}. */
    public int[] tapChannels() {
        return tapChannels.clone();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != 3) {
            throw new IllegalArgumentException("Xception65Encoder expects (N, 3, H, W), found "
                    + x.getShape());
        }
        x = Activation.relu(run(bn11, run(conv11, x, ps, training), ps, training));
        NDArray x0 = Activation.relu(run(bn12, run(conv12, x, ps, training), ps, training));
        NDArray x1 = run(blocks.get(0), x0, ps, training);
        NDArray x2 = run(blocks.get(1), x1, ps, training);
        NDArray e = x2;
        for (int i = 2; i < blocks.size(); i++) {
            e = run(blocks.get(i), e, ps, training);
        }
        e.setName(Tap.E.name());
        x0.setName(Tap.X0.name());
        x1.setName(Tap.X1.name());
        x2.setName(Tap.X2.name());
        return new NDList(e, x0, x1, x2);
    }

    private static NDArray run(Block b, NDArray x, ParameterStore ps, boolean training) {
        return b.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = conv12.getOutputShapes(conv11.getOutputShapes(inputShapes))[0];
        Shape x0 = s;
        Shape x1 = blocks.get(0).getOutputShapes(new Shape[] {x0})[0];
        Shape x2 = blocks.get(1).getOutputShapes(new Shape[] {x1})[0];
        Shape e = x2;
        for (int i = 2; i < blocks.size(); i++) {
            e = blocks.get(i).getOutputShapes(new Shape[] {e})[0];
        }
        return new Shape[] {e, x0, x1, x2};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Blocks.initializeInSequence(manager, dataType, inputShapes[0],
                conv11, bn11, conv12, bn12);
        Blocks.initializeInSequence(manager, dataType,
                conv12.getOutputShapes(conv11.getOutputShapes(inputShapes))[0],
                blocks.toArray(new Block[0]));
    }
}
