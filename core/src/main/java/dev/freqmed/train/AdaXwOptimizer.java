package dev.freqmed.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import dev.freqmed.tensor.Scalars;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * AdaX-W (Li et al., "AdaX: Adaptive Gradient Descent with Exponential Long Term Memory", 2020)
 * with decoupled weight decay, as used by FSANet (spec fsanet §4; reference {@code utils/AdaX.py
 * AdaXW}). For each parameter p with gradient g (optionally clamped element-wise to ±clamp),
 * step t:
 * <pre>
 * m = β1·m + (1 − β1)·g
 * v = (1 + β2)·v + β2·g²
 * p ← p − lr·wd·p − lr·sqrt((1 + β2)^t − 1) · m / (sqrt(v) + ε)
 * </pre>
 * β1 = 0.9, β2 = 1e-4, ε = 1e-12 by default. Usable both as a DJL {@link Optimizer} (per
 * parameter, learning rate from its tracker) and as the training loop's {@link TrainOptimizer}
 * (learning rate given per step); in both, the moments and step counts are exposed for
 * checkpointing.
 */
public final class AdaXwOptimizer extends Optimizer implements TrainOptimizer {

    private final ParameterTracker learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final float clamp;
    private final NDManager stateManager;
    private final Map<String, NDArray> m = new ConcurrentHashMap<>();
    private final Map<String, NDArray> v = new ConcurrentHashMap<>();
    private final Map<String, Integer> t = new ConcurrentHashMap<>();
    private long steps;

    private AdaXwOptimizer(Builder b) {
        super(b);
        learningRate = b.learningRate;
        beta1 = b.beta1;
        beta2 = b.beta2;
        epsilon = b.epsilon;
        weightDecay = b.weightDecay;
        clamp = b.clamp;
        stateManager = b.stateManager;
    }

    /** A builder with the reference defaults: lr 2e-4, β (0.9, 1e-4), ε 1e-12, wd 1e-4. */
    public static Builder builder() {
        return new Builder();
    }

    /** DJL per-parameter update; the learning rate comes from the tracker. */
    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        float lr = learningRate.getNewValue(parameterId, updateCount(parameterId));
        apply(parameterId, weight, grad, lr, weightDecay);
    }

    @Override
    public long step() {
        return steps;
    }

    @Override
    public double defaultWeightDecay() {
        return weightDecay;
    }

    @Override
    public void update(Map<String, Parameter> parameters,
            java.util.function.ToDoubleFunction<String> lrOf,
            java.util.function.ToDoubleFunction<String> decayOf) {
        steps++;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Parameter p = e.getValue();
            if (!p.requiresGradient()) {
                continue;
            }
            NDArray w = p.getArray();
            if (!w.hasGradient()) {
                continue;
            }
            try (NDManager scope = w.getManager().newSubManager(w.getDevice())) {
                NDArray g = w.getGradient(); // a new handle on the gradient, freed with the scope
                g.attach(scope);
                apply(e.getKey(), w, g, lrOf.applyAsDouble(e.getKey()),
                        (float) decayOf.applyAsDouble(e.getKey()));
                g.subi(g); // zero the gradient in place for the next step
            }
        }
    }

    private void apply(String id, NDArray weight, NDArray grad, double lr, float weightDecay) {
        int step = t.merge(id, 1, Integer::sum);
        NDArray mt = m.computeIfAbsent(id, k -> zeros(weight));
        NDArray vt = v.computeIfAbsent(id, k -> zeros(weight));
        // Every temporary lives in a sub-manager; state and weight change in place.
        try (NDManager sub = weight.getManager().newSubManager(weight.getDevice())) {
            NDArray g = grad.duplicate();
            g.attach(sub);
            Scalars.muli(g, rescaleGrad);
            if (clamp > 0) {
                g = g.clip(-clamp, clamp);
            }
            Scalars.muli(mt, beta1).addi(Scalars.mul(g, 1 - beta1));
            Scalars.muli(vt, 1 + beta2).addi(Scalars.muli(g.square(), beta2));
            double stepSize = lr * Math.sqrt(Math.pow(1 + beta2, step) - 1);
            NDArray denom = g.zerosLike().addi(vt).sqrt().addi(epsilon);
            NDArray delta = Scalars.muli(g.zerosLike().addi(mt).divi(denom), stepSize);
            Scalars.muli(weight, 1 - lr * weightDecay).subi(delta);
        }
    }

    private NDArray zeros(NDArray w) {
        NDManager owner = stateManager != null ? stateManager : w.getManager();
        NDArray z = owner.zeros(w.getShape(), w.getDataType(), w.getDevice());
        z.attach(owner);
        return z;
    }

    /**
     * The state as named arrays {@code m.NAME} and {@code v.NAME}, for checkpointing; with
     * {@link #step()} it restores the loop's state exactly (every parameter that has moments has
     * taken that many steps).
     */
    @Override
    public Map<String, NDArray> stateArrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("m." + k, a));
        v.forEach((k, a) -> out.put("v." + k, a));
        return out;
    }

    @Override
    public void restore(Map<String, NDArray> arrays, long stepCount) {
        m.clear();
        v.clear();
        t.clear();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            String key = e.getKey();
            String name = key.substring(2);
            NDArray copy = e.getValue().duplicate();
            NDManager owner = stateManager != null ? stateManager : e.getValue().getManager();
            copy.attach(owner);
            if (key.startsWith("m.")) {
                m.put(name, copy);
                t.put(name, (int) stepCount);
            } else if (key.startsWith("v.")) {
                v.put(name, copy);
            } else {
                throw new IllegalArgumentException("unexpected AdaX-W state key '" + key + "'");
            }
        }
        steps = stepCount;
    }

    /** First moments by parameter name (live view). */
    public Map<String, NDArray> firstMoments() {
        return Collections.unmodifiableMap(m);
    }

    /** Second moments by parameter name (live view). */
    public Map<String, NDArray> secondMoments() {
        return Collections.unmodifiableMap(v);
    }

    /** Steps taken by parameter name (live view). */
    public Map<String, Integer> steps() {
        return Collections.unmodifiableMap(t);
    }

    /** Builder following DJL's optimiser builders. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private ParameterTracker learningRate = Tracker.fixed(2e-4f);
        private float beta1 = 0.9f;
        private float beta2 = 1e-4f;
        private float epsilon = 1e-12f;
        private float weightDecay = 1e-4f;
        private float clamp;
        private NDManager stateManager;

        Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Learning-rate tracker of the DJL path (default fixed 2e-4). */
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

        /** Element-wise gradient clamp applied before the update (default 0: none). */
        public Builder optClamp(float c) {
            clamp = c;
            return this;
        }

        /** Where the moment arrays live (default: each parameter's own manager). */
        public Builder optStateManager(NDManager manager) {
            stateManager = manager;
            return this;
        }

        /** Builds, validating the hyper-parameters. */
        public AdaXwOptimizer build() {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("AdaX-W betas must be in [0, 1), found " + beta1
                        + ", " + beta2);
            }
            if (epsilon < 0 || weightDecay < 0 || clamp < 0) {
                throw new IllegalArgumentException("AdaX-W epsilon, weight decay and clamp must be"
                        + " >= 0, found " + epsilon + ", " + weightDecay + ", " + clamp);
            }
            return new AdaXwOptimizer(this);
        }
    }
}
