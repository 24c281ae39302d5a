package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.freqmed.tensor.Scalars;

/**
 * FSANet's training loss (spec §4; reference {@code train.py structure_loss}): the structure loss
 * of P1..P4 against the soft mask with deep-supervision weights 0.7, 0.1, 0.1, 0.1; the
 * frequency output is not supervised.
 *
 * <p>Structure loss of logits p and mask g (N, 1, H, W), with
 * w = 1 + 5·|avgpool<sub>31×31, stride 1, pad 15, zeros counted</sub>(g) − g|:
 * <pre>
 * L = mean_N( bce + 1 − (Σ σ(p)·g·w + 1) / (Σ (σ(p)+g)·w − Σ σ(p)·g·w + 1) )
 * </pre>
 * In the reference, {@code reduce='none'} is PyTorch's legacy boolean argument, so the BCE term is
 * the plain mean BCE over the whole batch and its weighting cancels. That is the default here;
 * {@code weightedBce = true} gives the intended per-image Σ(w·bce)/Σw instead.
 */
public final class FsaNetLoss extends Loss {

    private static final float[] WEIGHTS = {0.7f, 0.1f, 0.1f, 0.1f};
    private final boolean weightedBce;

    /** The reference loss (plain mean BCE + weighted IoU). */
    public FsaNetLoss() {
        this(false);
    }

    /** @param weightedBce use the edge-weighted BCE instead of the reference's plain mean */
    public FsaNetLoss(boolean weightedBce) {
        super("fsanet_structure");
        this.weightedBce = weightedBce;
    }

    /**
     * @param labels      the mask (N, 1, H, W) in [0, 1]
     * @param predictions {@code (P1, P2, P3, P4[, freq])} logits (N, 1, H, W)
     * @return the scalar loss
     */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (predictions.size() < 4) {
            throw new IllegalArgumentException("FSANet loss needs P1..P4, found "
                    + predictions.size() + " outputs");
        }
        NDArray mask = labels.get(0);
        NDArray total = null;
        for (int i = 0; i < 4; i++) {
            NDArray term = Scalars.mul(structure(predictions.get(i), mask), WEIGHTS[i]);
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    /**
     * The structure loss of one logit map.
     *
     * @param pred logits (N, 1, H, W)
     * @param mask target (N, 1, H, W) in [0, 1]
     * @return scalar
     */
    public NDArray structure(NDArray pred, NDArray mask) {
        if (!pred.getShape().equals(mask.getShape())) {
            throw new IllegalArgumentException("prediction " + pred.getShape()
                    + " and mask " + mask.getShape() + " differ in shape");
        }
        NDArray pooled = mask.getNDArrayInternal().avgPool(new Shape(31, 31), new Shape(1, 1),
                new Shape(15, 15), false, true);
        NDArray weit = Scalars.mul(pooled.sub(mask).abs(), 5).add(1);
        // BCE with logits, numerically stable: max(x, 0) − x·z + log(1 + exp(−|x|)).
        NDArray bceMap = Scalars.maximum(pred, 0).sub(pred.mul(mask))
                .add(pred.abs().neg().exp().add(1).log());
        int[] hw = {2, 3};
        NDArray bce;
        if (weightedBce) {
            bce = bceMap.mul(weit).sum(hw).div(weit.sum(hw));
        } else {
            bce = bceMap.mean();
        }
        NDArray p = pred.getNDArrayInternal().sigmoid();
        NDArray inter = p.mul(mask).mul(weit).sum(hw);
        NDArray union = p.add(mask).mul(weit).sum(hw);
        NDArray wiou = inter.add(1).div(union.sub(inter).add(1)).neg().add(1);
        return wiou.add(bce).mean();
    }
}
