package dev.freqmed.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.BatchNorms;
import dev.freqmed.nn.Blocks;
import dev.freqmed.nn.Conv2dBlock;
import dev.freqmed.nn.SeparableConvBnBlock;

/**
 * DeepLabv3+'s {@code _xception_block}: three {@link SeparableConvBnBlock}s in a row, only the
 * third strided, plus a skip connection (FRCU-Net spec §2.2). There is no ReLU after the add.
 *
 * <p>Children: {@code separable_conv1..3} and, for {@link Skip#CONV}, {@code shortcut} (1×1 conv,
 * stride {@code s}, no padding, no bias) and {@code shortcut_BN}. Input {@code (N, in, H, W)},
 * output {@code (N, d3, ceil(H/s), ceil(W/s))}.
 */
public final class XceptionBlock extends AbstractBlock {

    /** The skip connection type. */
    public enum Skip {
        /** 1×1 strided conv + BN added to the residual path. */
        CONV,
        /** Identity add. */
        SUM,
        /** No skip. */
        NONE
    }

    private final Skip skip;
    private final SeparableConvBnBlock[] convs = new SeparableConvBnBlock[3];
    private final Conv2dBlock shortcut;
    private final BatchNorm shortcutBn;

    /**
     * @param inChannels      input channels
     * @param depths          the three output depths {@code d1, d2, d3}
     * @param skip            skip connection type; {@link Skip#SUM} needs {@code in == d3} and
     *                        stride 1
     * @param stride          stride of the third separable conv (1 or 2)
     * @param rate            dilation of every depthwise conv
     * @param depthActivation passed to each {@link SeparableConvBnBlock}
     * @param momentum        BatchNorm momentum (Keras convention); epsilon is Keras' 1e-3
     */
    public XceptionBlock(int inChannels, int[] depths, Skip skip, int stride, int rate,
            boolean depthActivation, float momentum) {
        if (depths.length != 3) {
            throw new IllegalArgumentException("XceptionBlock needs 3 depths, found "
                    + depths.length);
        }
        if (skip == Skip.SUM && (inChannels != depths[2] || stride != 1)) {
            throw new IllegalArgumentException("a sum skip needs in == out channels and stride 1,"
                    + " found " + inChannels + " -> " + depths[2] + " stride " + stride);
        }
        this.skip = skip;
        int c = inChannels;
        for (int i = 0; i < 3; i++) {
            convs[i] = addChildBlock("separable_conv" + (i + 1), new SeparableConvBnBlock(
                    c, depths[i], i == 2 ? stride : 1, rate, depthActivation,
                    BatchNorms.KERAS_EPSILON, momentum));
            c = depths[i];
        }
        if (skip == Skip.CONV) {
            shortcut = addChildBlock("shortcut", Conv2dBlock.builder()
                    .setInChannels(inChannels)
                    .setOutChannels(depths[2])
                    .setKernel(1)
                    .optStride(stride)
                    .optBias(false)
                    .optPadding(Conv2dBlock.Padding.VALID)
                    .build());
            shortcutBn = addChildBlock("shortcut_BN",
                    BatchNorms.keras(BatchNorms.KERAS_EPSILON, momentum));
        } else {
            shortcut = null;
            shortcutBn = null;
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray r = x;
        for (SeparableConvBnBlock conv : convs) {
            r = conv.forward(ps, new NDList(r), training).singletonOrThrow();
        }
        switch (skip) {
            case CONV:
                NDArray s = shortcut.forward(ps, new NDList(x), training).singletonOrThrow();
                s = shortcutBn.forward(ps, new NDList(s), training).singletonOrThrow();
                return new NDList(r.add(s));
            case SUM:
                return new NDList(r.add(x));
            default:
                return new NDList(r);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] s = inputShapes;
        for (SeparableConvBnBlock conv : convs) {
            s = conv.getOutputShapes(s);
        }
        return s;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Blocks.initializeInSequence(manager, dataType, inputShapes[0], convs);
        if (shortcut != null) {
            Blocks.initializeInSequence(manager, dataType, inputShapes[0], shortcut, shortcutBn);
        }
    }
}
