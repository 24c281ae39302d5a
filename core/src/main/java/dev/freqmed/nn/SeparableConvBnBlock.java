package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * DeepLabv3+'s {@code SepConv_BN}: a 3×3 depthwise convolution (dilation {@code rate}, stride
 * {@code stride}, no bias) with BatchNorm, then a 1×1 pointwise convolution (no bias) with
 * BatchNorm. With {@code depthActivation = false} a ReLU comes first and none after
 * (pre-activation); with {@code true} a ReLU follows each BatchNorm. Stride 1 uses TF "same"
 * padding (symmetric {@code rate}); stride 2 uses explicit symmetric zero padding
 * {@code (k_eff − 1) / 2} (FRCU-Net spec §2.2; reference: keras-deeplab-v3-plus {@code SepConv_BN}).
 *
 * <p>Children: {@code depthwise}, {@code depthwise_BN}, {@code pointwise}, {@code pointwise_BN}
 * (the Keras layer names after the block prefix). Input {@code (N, in, H, W)}, output
 * {@code (N, out, ceil(H/s), ceil(W/s))}.
 */
public final class SeparableConvBnBlock extends AbstractBlock {

    private final boolean depthActivation;
    private final Conv2dBlock depthwise;
    private final BatchNorm depthwiseBn;
    private final Conv2dBlock pointwise;
    private final BatchNorm pointwiseBn;

    /**
     * @param inChannels      input channels
     * @param outChannels     output channels of the pointwise convolution
     * @param stride          1 or 2
     * @param rate            dilation of the depthwise convolution
     * @param depthActivation ReLU after each BN (true) or one ReLU before (false)
     * @param epsilon         BatchNorm epsilon (Keras 1e-3)
     * @param momentum        BatchNorm momentum in the Keras convention (0.99)
     */
    public SeparableConvBnBlock(int inChannels, int outChannels, int stride, int rate,
            boolean depthActivation, float epsilon, float momentum) {
        if (stride != 1 && stride != 2) {
            throw new IllegalArgumentException("SeparableConvBnBlock stride must be 1 or 2, found "
                    + stride);
        }
        this.depthActivation = depthActivation;
        this.depthwise = addChildBlock("depthwise", Conv2dBlock.builder()
                .depthwise(inChannels)
                .setKernel(3)
                .optStride(stride)
                .optDilation(rate)
                .optBias(false)
                .optPadding(stride == 1 ? Conv2dBlock.Padding.TF_SAME
                        : Conv2dBlock.Padding.EXPLICIT_SYMMETRIC)
                .build());
        this.depthwiseBn = addChildBlock("depthwise_BN", BatchNorms.keras(epsilon, momentum));
        this.pointwise = addChildBlock("pointwise", Conv2dBlock.builder()
                .setInChannels(inChannels)
                .setOutChannels(outChannels)
                .setKernel(1)
                .optBias(false)
                .build());
        this.pointwiseBn = addChildBlock("pointwise_BN", BatchNorms.keras(epsilon, momentum));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (!depthActivation) {
            x = Activation.relu(x);
        }
        x = depthwise.forward(ps, new NDList(x), training).singletonOrThrow();
        x = depthwiseBn.forward(ps, new NDList(x), training).singletonOrThrow();
        if (depthActivation) {
            x = Activation.relu(x);
        }
        x = pointwise.forward(ps, new NDList(x), training).singletonOrThrow();
        x = pointwiseBn.forward(ps, new NDList(x), training).singletonOrThrow();
        if (depthActivation) {
            x = Activation.relu(x);
        }
        return new NDList(x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return pointwise.getOutputShapes(depthwise.getOutputShapes(inputShapes));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Blocks.initializeInSequence(manager, dataType, inputShapes[0],
                depthwise, depthwiseBn, pointwise, pointwiseBn);
    }
}
