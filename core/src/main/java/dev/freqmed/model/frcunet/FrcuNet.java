package dev.freqmed.model.frcunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.freqmed.backbone.Xception65Encoder;
import dev.freqmed.nn.BatchNorms;
import dev.freqmed.nn.Blocks;
import dev.freqmed.nn.Conv2dBlock;
import dev.freqmed.nn.KerasInitializers;
import dev.freqmed.nn.freq.FrequencyRecalibrationBlock;

/**
 * The FRCU-Net network (spec §2; reference: FRCU-Net {@code new_model.py}): Xception-65 encoder
 * (output stride 16) → bottleneck projection {@code aspp0b4b, aspp0bb, aspp0bbbb} +
 * {@code aspp0_BN} + ReLU → frequency re-calibration → {@code conv2d_1, conv2d_2} +
 * {@code concat_projection_BN} + ReLU + Dropout → U-Net decoder with skips x2, x1, x0 (nearest ×2
 * upsampling, 2×2 TF-"same" up-convolutions, concatenation {@code [skip, upsampled]}) → a
 * 2-channel conv with ReLU → 1×1 conv → sigmoid.
 *
 * <p>Input {@code (N, 3, H, W)} in [0, 255] (per-image min–max stretched, spec §1.1), H and W
 * multiples of 16. Output, in this order ({@link Output}): the foreground probability
 * {@code (N, 1, H, W)} after the sigmoid, and the logit before it, same shape. The loss uses the
 * probability, as Keras does ({@link FrcuNetLoss}).
 *
 * <p>Children: {@code encoder} (an {@link Xception65Encoder}, or a {@link UNetBaselineEncoder} for
 * {@link FrcuNetConfig.Variant#UNET}), {@code aspp0b4b}, {@code aspp0bb}, {@code aspp0bbbb},
 * {@code aspp0_BN}, {@code frc} (only for {@link FrcuNetConfig.Variant#FRCUNET}), {@code conv2d_1},
 * {@code conv2d_2}, {@code concat_projection_BN}, {@code conv2d_3} … {@code conv2d_15} (the Keras
 * auto-names of a fresh session; see {@link FrcuNetKerasNames}). Initialisers follow Keras
 * (spec §4.1): glorot_uniform for the backbone, the aspp convs and the head; he_normal for the other
 * new convs; zero biases. Do not override them with a global {@code setInitializer}.
 */
public final class FrcuNet extends AbstractBlock {

    /** The outputs, in NDList order; each array is named with the enum name. */
    public enum Output {
        /** Sigmoid probability {@code (N, 1, H, W)}. */
        PROBABILITY,
        /** Pre-sigmoid logit {@code (N, 1, H, W)}. */
        LOGIT
    }

    /** Total stride of the encoder; inputs must be multiples of it. */
    public static final int STRIDE = 16;
    /** Epsilon of {@code aspp0_BN} and {@code concat_projection_BN}. */
    static final float BOTTLENECK_EPSILON = 1e-5f;

    private final FrcuNetConfig config;
    private final Block encoder;
    private final Conv2dBlock aspp0b4b;
    private final Conv2dBlock aspp0bb;
    private final Conv2dBlock aspp0bbbb;
    private final BatchNorm aspp0Bn;
    private final FrequencyRecalibrationBlock frc;
    private final Conv2dBlock conv1;
    private final Conv2dBlock conv2;
    private final BatchNorm projectionBn;
    private final Conv2dBlock[] decoder = new Conv2dBlock[16];
    private final int[] taps;

    /** Builds the (uninitialised) network for {@code config}. */
    public FrcuNet(FrcuNetConfig config) {
        this.config = config;
        double w = config.widthMultiplier();
        float momentum = (float) config.bnMomentum();
        int encoderOut;
        if (config.variant() == FrcuNetConfig.Variant.UNET) {
            UNetBaselineEncoder e = new UNetBaselineEncoder(w, momentum);
            encoderOut = e.outChannels();
            taps = e.tapChannels();
            encoder = addChildBlock("encoder", e);
        } else {
            Xception65Encoder e = new Xception65Encoder(w, config.middleBlocks(), momentum);
            encoderOut = e.outChannels();
            taps = e.tapChannels();
            encoder = addChildBlock("encoder", e);
        }
        int c1024 = Blocks.scaleChannels(1024, w);
        int c512 = Blocks.scaleChannels(512, w);
        int c256 = Blocks.scaleChannels(256, w);
        int c128 = Blocks.scaleChannels(128, w);
        int c64 = Blocks.scaleChannels(64, w);
        Initializer glorot = KerasInitializers.glorotUniform();
        aspp0b4b = addChildBlock("aspp0b4b", conv(encoderOut, c1024, 3, false, glorot));
        aspp0bb = addChildBlock("aspp0bb", conv(c1024, c512, 3, false, glorot));
        aspp0bbbb = addChildBlock("aspp0bbbb", conv(c512, c256, 3, false, glorot));
        aspp0Bn = addChildBlock("aspp0_BN", BatchNorms.keras(BOTTLENECK_EPSILON, momentum));
        frc = config.variant() == FrcuNetConfig.Variant.FRCUNET
                ? addChildBlock("frc", new FrequencyRecalibrationBlock(c256,
                        Blocks.scaleChannels(config.frcHidden(), w)))
                : null;
        conv1 = addChildBlock("conv2d_1", heConv(c256, c256, 3));
        conv2 = addChildBlock("conv2d_2", heConv(c256, c256, 3));
        projectionBn = addChildBlock("concat_projection_BN",
                BatchNorms.keras(BOTTLENECK_EPSILON, momentum));
        // Decoder, spec §2.7: index i holds conv2d_i.
        decoder[3] = heConv(c256, c256, 2);
        decoder[4] = heConv(taps[2] + c256, c256, 3);
        decoder[5] = heConv(c256, c256, 3);
        decoder[6] = heConv(c256, c256, 2);
        decoder[7] = heConv(taps[1] + c256, c256, 3);
        decoder[8] = heConv(c256, c256, 3);
        decoder[9] = heConv(c256, c128, 2);
        decoder[10] = heConv(taps[0] + c128, c128, 3);
        decoder[11] = heConv(c128, c128, 3);
        decoder[12] = heConv(c128, c64, 3);
        decoder[13] = heConv(c64, c64, 3);
        decoder[14] = heConv(c64, 2, 3);
        decoder[15] = conv(2, 1, 1, true, glorot);
        for (int i = 3; i <= 15; i++) {
            addChildBlock("conv2d_" + i, decoder[i]);
        }
    }

    private static Conv2dBlock conv(int in, int out, int k, boolean bias, Initializer init) {
        return Conv2dBlock.builder().setInChannels(in).setOutChannels(out).setKernel(k)
                .optBias(bias).optInitializer(init).build();
    }

    private static Conv2dBlock heConv(int in, int out, int k) {
        return conv(in, out, k, true, KerasInitializers.heNormal());
    }

    /** The config this network was built from. */
    public FrcuNetConfig config() {
        return config;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        checkInput(x.getShape());
        NDList enc = encoder.forward(ps, new NDList(x), training);
        NDArray e = enc.get(0);
        NDArray x0 = enc.get(1);
        NDArray x1 = enc.get(2);
        NDArray x2 = enc.get(3);
        // Bottleneck projection, spec §2.4. DEVIATION: the reference hard-wires the 16×16
        // bottleneck (Reshape layers); here its size is whatever H/16 × W/16 the input gives.
        NDArray b = Activation.relu(run(aspp0b4b, e, ps, training));
        b = Activation.relu(run(aspp0bb, b, ps, training));
        b = run(aspp0bbbb, b, ps, training);
        b = Activation.relu(run(aspp0Bn, b, ps, training));
        if (frc != null) {
            b = run(frc, b, ps, training);
        }
        // Post-FRC, spec §2.6.
        b = Activation.relu(run(conv1, b, ps, training));
        b = Activation.relu(run(conv2, b, ps, training));
        b = Activation.relu(run(projectionBn, b, ps, training));
        NDArray d = Dropout.dropout(b, (float) config.dropout(), training).singletonOrThrow();
        // Decoder, spec §2.7.
        d = relu(3, upsample(d), ps, training);
        d = relu(4, NDArrays.concat(new NDList(x2, d), 1), ps, training);
        d = relu(5, d, ps, training);
        d = relu(6, upsample(d), ps, training);
        d = relu(7, NDArrays.concat(new NDList(x1, d), 1), ps, training);
        d = relu(8, d, ps, training);
        d = relu(9, upsample(d), ps, training);
        d = relu(10, NDArrays.concat(new NDList(x0, d), 1), ps, training);
        d = relu(11, upsample(d), ps, training);
        d = relu(12, d, ps, training);
        d = relu(13, d, ps, training);
        d = relu(14, d, ps, training);
        NDArray logit = run(decoder[15], d, ps, training);
        NDArray prob = Activation.sigmoid(logit);
        prob.setName(Output.PROBABILITY.name());
        logit.setName(Output.LOGIT.name());
        return new NDList(prob, logit);
    }

    private NDArray relu(int layer, NDArray x, ParameterStore ps, boolean training) {
        return Activation.relu(run(decoder[layer], x, ps, training));
    }

    /** Keras {@code UpSampling2D(2)}: nearest neighbour ×2 on H and W. */
    static NDArray upsample(NDArray x) {
        return x.repeat(2, 2).repeat(3, 2);
    }

    private static NDArray run(Block b, NDArray x, ParameterStore ps, boolean training) {
        return b.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    /**
     * Checks an input shape {@code (N, 3, H, W)} with H and W positive multiples of 16.
     *
     * @throws IllegalArgumentException naming the expected and the found shape
     */
    public static void checkInput(Shape s) {
        if (s.dimension() != 4 || s.get(1) != 3) {
            throw new IllegalArgumentException("FRCU-Net expects an input of shape (N, 3, H, W),"
                    + " found " + s);
        }
        if (s.get(2) < STRIDE || s.get(3) < STRIDE || s.get(2) % STRIDE != 0
                || s.get(3) % STRIDE != 0) {
            throw new IllegalArgumentException("FRCU-Net needs H and W to be multiples of "
                    + STRIDE + " (resize or pad the image first), found " + s.get(2) + "x"
                    + s.get(3));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        Shape out = new Shape(s.get(0), 1, s.get(2), s.get(3));
        return new Shape[] {out, out};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        checkInput(in);
        encoder.initialize(manager, dataType, in);
        Shape[] enc = encoder.getOutputShapes(new Shape[] {in});
        Shape b = Blocks.initializeInSequence(manager, dataType, enc[0],
                aspp0b4b, aspp0bb, aspp0bbbb, aspp0Bn);
        if (frc != null) {
            frc.initialize(manager, dataType, b);
        }
        Shape d = Blocks.initializeInSequence(manager, dataType, b, conv1, conv2, projectionBn);
        d = Blocks.initializeInSequence(manager, dataType, up(d), decoder[3]);
        d = Blocks.initializeInSequence(manager, dataType, cat(enc[3], d), decoder[4], decoder[5]);
        d = Blocks.initializeInSequence(manager, dataType, up(d), decoder[6]);
        d = Blocks.initializeInSequence(manager, dataType, cat(enc[2], d), decoder[7], decoder[8]);
        d = Blocks.initializeInSequence(manager, dataType, up(d), decoder[9]);
        d = Blocks.initializeInSequence(manager, dataType, cat(enc[1], d), decoder[10]);
        Blocks.initializeInSequence(manager, dataType, up(d),
                decoder[11], decoder[12], decoder[13], decoder[14], decoder[15]);
    }

    private static Shape up(Shape s) {
        return new Shape(s.get(0), s.get(1), s.get(2) * 2, s.get(3) * 2);
    }

    private static Shape cat(Shape skip, Shape s) {
        return new Shape(s.get(0), skip.get(1) + s.get(1), s.get(2), s.get(3));
    }
}
