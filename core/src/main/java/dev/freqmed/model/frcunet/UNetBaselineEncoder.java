package dev.freqmed.model.frcunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.BatchNorms;
import dev.freqmed.nn.Blocks;
import dev.freqmed.nn.Conv2dBlock;

/**
 * The encoder of FRCU-Net's plain U-Net baseline ({@link FrcuNetConfig.Variant#UNET}): five
 * stages of two 3×3 conv + BatchNorm + ReLU, separated by 2×2 max pooling, of widths
 * 32, 64, 128, 256, 1024 (times the width multiplier). It returns the same four arrays as
 * {@link dev.freqmed.backbone.Xception65Encoder}: {@code E} at stride 16 and the taps
 * {@code x0, x1, x2} at strides 2, 4, 8, so the FRCU-Net bottleneck and decoder follow unchanged.
 *
 * <p>Children: {@code stage0..stage4}, each with {@code conv1, conv1_BN, conv2, conv2_BN}.
 * Input {@code (N, 3, H, W)} with H, W multiples of 16.
 */
public final class UNetBaselineEncoder extends AbstractBlock {

    private static final int[] WIDTHS = {32, 64, 128, 256, 1024};

    private final DoubleConvBlock[] stages = new DoubleConvBlock[WIDTHS.length];
    private final int[] widths = new int[WIDTHS.length];

    /**
     * @param widthMultiplier scales every channel count
     * @param bnMomentum      BatchNorm momentum in the Keras convention
     */
    public UNetBaselineEncoder(double widthMultiplier, float bnMomentum) {
        int c = 3;
        for (int i = 0; i < WIDTHS.length; i++) {
            widths[i] = Blocks.scaleChannels(WIDTHS[i], widthMultiplier);
            stages[i] = addChildBlock("stage" + i, new DoubleConvBlock(c, widths[i], bnMomentum));
            c = widths[i];
        }
    }

    /** Channels of {@code E}. */
    public int outChannels() {
        return widths[4];
    }

    /** Channels of the taps {@code x0, x1, x2}. */
    public int[] tapChannels() {
        return new int[] {widths[1], widths[2], widths[3]};
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray[] out = new NDArray[WIDTHS.length];
        for (int i = 0; i < WIDTHS.length; i++) {
            if (i > 0) {
                x = Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
            }
            x = stages[i].forward(ps, new NDList(x), training).singletonOrThrow();
            out[i] = x;
        }
        return new NDList(out[4], out[1], out[2], out[3]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        Shape[] out = new Shape[WIDTHS.length];
        for (int i = 0; i < WIDTHS.length; i++) {
            long f = 1L << i;
            out[i] = new Shape(s.get(0), widths[i], s.get(2) / f, s.get(3) / f);
        }
        return new Shape[] {out[4], out[1], out[2], out[3]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        for (int i = 0; i < WIDTHS.length; i++) {
            long f = 1L << i;
            long c = i == 0 ? s.get(1) : widths[i - 1];
            stages[i].initialize(manager, dataType, new Shape(s.get(0), c, s.get(2) / f,
                    s.get(3) / f));
        }
    }

    /** Two 3×3 conv (no bias) + BatchNorm (ε 1e-3) + ReLU. */
    private static final class DoubleConvBlock extends AbstractBlock {
        private final Conv2dBlock conv1;
        private final BatchNorm bn1;
        private final Conv2dBlock conv2;
        private final BatchNorm bn2;

        DoubleConvBlock(int in, int out, float momentum) {
            conv1 = addChildBlock("conv1", Conv2dBlock.builder().setInChannels(in)
                    .setOutChannels(out).setKernel(3).optBias(false).build());
            bn1 = addChildBlock("conv1_BN", BatchNorms.keras(BatchNorms.KERAS_EPSILON, momentum));
            conv2 = addChildBlock("conv2", Conv2dBlock.builder().setInChannels(out)
                    .setOutChannels(out).setKernel(3).optBias(false).build());
            bn2 = addChildBlock("conv2_BN", BatchNorms.keras(BatchNorms.KERAS_EPSILON, momentum));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDList x = conv1.forward(ps, inputs, training);
            x = new NDList(Activation.relu(bn1.forward(ps, x, training).singletonOrThrow()));
            x = conv2.forward(ps, x, training);
            return new NDList(Activation.relu(bn2.forward(ps, x, training).singletonOrThrow()));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return conv2.getOutputShapes(conv1.getOutputShapes(inputShapes));
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType,
                Shape... inputShapes) {
            Blocks.initializeInSequence(manager, dataType, inputShapes[0], conv1, bn1, conv2, bn2);
        }
    }
}
