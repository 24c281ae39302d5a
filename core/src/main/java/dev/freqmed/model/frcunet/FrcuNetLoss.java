package dev.freqmed.model.frcunet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import dev.freqmed.tensor.Scalars;

/**
 * FRCU-Net's training loss (spec §4.2): {@code bceWeight · BCE + diceWeight · (1 − softDice)}.
 *
 * <p>BCE is Keras' {@code binary_crossentropy} on the sigmoid probability: {@code p} is clipped to
 * {@code [1e-7, 1 − 1e-7]} and {@code −[t·log p + (1−t)·log(1−p)]} is averaged over every pixel of
 * every image; targets may be soft, in [0, 1]. The soft Dice of one image is
 * {@code (2 Σ p t + 1) / (Σ p + Σ t + 1)} over its pixels, averaged over the batch (smoothing 1).
 *
 * <p>{@link #evaluate} takes the labels {@code [target (N, 1, H, W)]} and the network outputs
 * {@code [probability (N, 1, H, W), …]} ({@link FrcuNet.Output#PROBABILITY} first) and returns a
 * scalar.
 */
public final class FrcuNetLoss extends Loss {

    /** Keras' {@code epsilon()}, the clipping bound of the probabilities. */
    public static final float CLIP = 1e-7f;
    private static final float DICE_SMOOTH = 1f;

    private final float bceWeight;
    private final float diceWeight;

    /**
     * @param bceWeight  weight of the cross-entropy term, ≥ 0
     * @param diceWeight weight of the Dice term, ≥ 0
     * @throws IllegalArgumentException for negative weights or both zero
     */
    public FrcuNetLoss(double bceWeight, double diceWeight) {
        super("frcunet_loss");
        if (!(bceWeight >= 0) || !(diceWeight >= 0) || bceWeight + diceWeight <= 0) {
            throw new IllegalArgumentException("loss weights must be >= 0 with a positive sum,"
                    + " found bce " + bceWeight + ", dice " + diceWeight);
        }
        this.bceWeight = (float) bceWeight;
        this.diceWeight = (float) diceWeight;
    }

    /** The loss of {@code config}'s weights. */
    public static FrcuNetLoss of(FrcuNetConfig config) {
        return new FrcuNetLoss(config.bceWeight(), config.diceWeight());
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray target = labels.get(0);
        NDArray prob = predictions.get(0);
        if (!target.getShape().equals(prob.getShape())) {
            throw new IllegalArgumentException("target shape " + target.getShape()
                    + " differs from prediction shape " + prob.getShape());
        }
        target = target.toType(prob.getDataType(), false);
        NDArray loss = null;
        if (bceWeight > 0) {
            loss = Scalars.mul(binaryCrossEntropy(prob, target), bceWeight);
        }
        if (diceWeight > 0) {
            NDArray dice = Scalars.mul(softDice(prob, target).neg().add(1f), diceWeight);
            loss = loss == null ? dice : loss.add(dice);
        }
        return loss;
    }

    /** Keras {@code binary_crossentropy}, mean over all elements. */
    public static NDArray binaryCrossEntropy(NDArray prob, NDArray target) {
        NDArray p = prob.clip(CLIP, 1f - CLIP);
        NDArray ll = target.mul(p.log()).add(target.neg().add(1f).mul(p.neg().add(1f).log()));
        return ll.mean().neg();
    }

    /** Soft Dice per image (smoothing 1), averaged over the batch axis. */
    public static NDArray softDice(NDArray prob, NDArray target) {
        long n = prob.getShape().get(0);
        NDArray p = prob.reshape(n, -1);
        NDArray t = target.reshape(n, -1);
        NDArray inter = p.mul(t).sum(new int[] {1});
        NDArray denom = p.sum(new int[] {1}).add(t.sum(new int[] {1})).add(DICE_SMOOTH);
        return Scalars.mul(inter, 2f).add(DICE_SMOOTH).div(denom).mean();
    }
}
