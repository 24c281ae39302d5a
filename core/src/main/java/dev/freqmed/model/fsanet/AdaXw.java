package dev.freqmed.model.fsanet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * AdaX-W (Li et al., "AdaX: Adaptive Gradient Descent with Exponential Long Term Memory", 2020),
 * with decoupled weight decay, as in the FSANet reference ({@code utils/AdaX.py AdaXW}). For each
 * parameter p with gradient g (clamped element-wise to ±{@code clamp} first), step t:
 * <pre>
 * m = β1·m + (1 − β1)·g
 * v = (1 + β2)·v + β2·g²
 * p ← p − lr·wd·p − lr·sqrt((1 + β2)^t − 1) · m / (sqrt(v) + ε)
 * </pre>
 * β1 = 0.9, β2 = 1e-4, ε = 1e-12 by default. The moments and step counts are exposed through
 * {@link #firstMoments()}, {@link #secondMoments()} and {@link #steps()} so a checkpoint can hold
 * them.
 */
public final class AdaXw extends Optimizer {

    private final ParameterTracker learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final float clamp;
    private final Map<String, NDArray> m = new ConcurrentHashMap<>();
    private final Map<String, NDArray> v = new ConcurrentHashMap<>();
    private final Map<String, Integer> t = new ConcurrentHashMap<>();

    private AdaXw(Builder b) {
        super(b);
        learningRate = b.learningRate;
        beta1 = b.beta1;
        beta2 = b.beta2;
        epsilon = b.epsilon;
        weightDecay = b.weightDecay;
        clamp = b.clamp;
    }

    /** A builder with the reference defaults (lr 2e-4, β (0.9, 1e-4), ε 1e-12, wd 1e-4, ±0.5). */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int step = t.merge(parameterId, 1, Integer::sum);
        float lr = learningRate.getNewValue(parameterId, updateCount(parameterId));
        NDArray mt = m.computeIfAbsent(parameterId, k -> weight.zerosLike());
        NDArray vt = v.computeIfAbsent(parameterId, k -> weight.zerosLike());
        // Every temporary lives in a sub-manager; state and weight change in place.
        try (NDManager sub = weight.getManager().newSubManager()) {
            NDArray g = grad.duplicate();
            g.attach(sub);
            g.muli(rescaleGrad);
            if (clamp > 0) {
                g = g.clip(-clamp, clamp);
            }
            mt.muli(beta1).addi(g.mul(1 - beta1));
            vt.muli(1 + beta2).addi(g.square().muli(beta2));
            double stepSize = lr * Math.sqrt(Math.pow(1 + beta2, step) - 1);
            NDArray denom = g.zerosLike().addi(vt).sqrt().addi(epsilon);
            NDArray delta = g.zerosLike().addi(mt).divi(denom).muli(stepSize);
            weight.muli(1 - (double) lr * weightDecay).subi(delta);
        }
    }

    /** First moments by parameter id (live view). */
    public Map<String, NDArray> firstMoments() {
        return Collections.unmodifiableMap(m);
    }

    /** Second moments by parameter id (live view). */
    public Map<String, NDArray> secondMoments() {
        return Collections.unmodifiableMap(v);
    }

    /** Steps taken by parameter id (live view). */
    public Map<String, Integer> steps() {
        return Collections.unmodifiableMap(t);
    }

    /**
     * Restores the state of one parameter, e.g. from a checkpoint.
     *
     * @param parameterId the parameter's id
     * @param first       first moment (ownership passes to the optimiser)
     * @param second      second moment (ownership passes to the optimiser)
     * @param steps       steps taken so far
     */
    public void restore(String parameterId, NDArray first, NDArray second, int steps) {
        m.put(parameterId, first);
        v.put(parameterId, second);
        t.put(parameterId, steps);
    }

    /** Builder following DJL's optimiser builders. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private ParameterTracker learningRate = Tracker.fixed(2e-4f);
        private float beta1 = 0.9f;
        private float beta2 = 1e-4f;
        private float epsilon = 1e-12f;
        private float weightDecay = 1e-4f;
        private float clamp = 0.5f;

        Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Learning-rate tracker (default fixed 2e-4). */
        public Builder optLearningRateTracker(ParameterTracker tracker) {
            learningRate = tracker;
            return this;
        }

        /** β1 (default 0.9) and β2 (default 1e-4). */
        public Builder optBetas(float b1, float b2) {
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        /** ε (default 1e-12). */
        public Builder optEpsilon(float eps) {
            epsilon = eps;
            return this;
        }

        /** Decoupled weight decay (default 1e-4). */
        public Builder optDecoupledWeightDecay(float wd) {
            weightDecay = wd;
            return this;
        }

        /** Element-wise gradient clamp (default 0.5; 0 disables). */
        public Builder optClamp(float c) {
            clamp = c;
            return this;
        }

        /** Builds, validating the hyper-parameters. */
        public AdaXw build() {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1), found " + beta1
                        + ", " + beta2);
            }
            if (epsilon < 0 || weightDecay < 0 || clamp < 0) {
                throw new IllegalArgumentException("epsilon, weight decay and clamp must be >= 0");
            }
            return new AdaXw(this);
        }
    }
}
