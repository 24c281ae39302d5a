package dev.freqmed.model.fafnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import dev.freqmed.tensor.Scalars;

/**
 * FAF-Net's training loss (reference: {@code train.py} and {@code FewShotSeg.alignLoss}; spec §4):
 * {@code L = L_query + L_align + L_proto}, every term with weight 1.
 * <ul>
 *   <li>{@code L_query}: class-weighted NLL with a weighted mean (the reference's focal loss with
 *       γ = 0, weights [bg, 1]) on the query probabilities clamped to [ε, 1 − ε], ε = float32
 *       epsilon: {@code Σ w_y·(−log p_y) / Σ w_y} over all pixels of the batch;</li>
 *   <li>{@code L_align}: unweighted NLL mean over the support pixels of the support probabilities
 *       against the support mask, per episode whose alignment branch ran;</li>
 *   <li>{@code L_proto}: the mean squared difference of the refined query and support
 *       prototypes, per such episode.</li>
 * </ul>
 * The per-episode terms are summed over the episodes that ran and divided by the number of
 * episodes (the reference adds zeros for skipped ones and divides by the batch). With inference
 * outputs (one array) only {@code L_query} is computed.
 */
public final class FafNetLoss {

    private static final float EPS = Math.ulp(1f);

    private final float bgWeight;

    /** @param bgWeight weight of background pixels in the query term (0.1) */
    public FafNetLoss(double bgWeight) {
        this.bgWeight = (float) bgWeight;
    }

    /**
     * The loss of a batch.
     *
     * @param outputs {@link FafNet}'s outputs (training: six arrays; inference: one)
     * @param labels  the query masks (N, 1, S, S) in {0, 1}
     * @return the scalar loss
     */
    public NDArray loss(NDList outputs, NDList labels) {
        NDArray y = labels.head();
        NDArray fg = outputs.get(0).get(new NDIndex(":, 1:2")).clip(EPS, 1 - EPS);
        NDArray bg = outputs.get(0).get(new NDIndex(":, 0:1")).clip(EPS, 1 - EPS);
        NDArray w = Scalars.mul(y, 1 - bgWeight).add(bgWeight);
        NDArray nll = y.mul(fg.log()).add(y.neg().add(1).mul(bg.log())).neg();
        NDArray query = nll.mul(w).sum().div(w.sum());
        if (outputs.size() < 6) {
            return query;
        }
        NDArray sProb = outputs.get(1);
        NDArray m = outputs.get(2);
        NDArray flags = outputs.get(3);
        long n = flags.getShape().get(0);
        NDArray sFg = sProb.get(new NDIndex(":, 1:2")).clip(EPS, 1 - EPS);
        NDArray sBg = sProb.get(new NDIndex(":, 0:1")).clip(EPS, 1 - EPS);
        NDArray nllSum = m.mul(sFg.log()).add(m.neg().add(1).mul(sBg.log())).neg()
                .sum(new int[] {1, 2, 3});
        NDArray align = Scalars.div(nllSum, m.getShape().size() / n);
        NDArray proto = outputs.get(4).sub(outputs.get(5)).square().mean(new int[] {1});
        NDArray perEpisode = Scalars.div(align.add(proto).mul(flags).sum(), n);
        return query.add(perEpisode);
    }
}
