package dev.freqmed.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.freqmed.tensor.Scalars;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam and AdamW with state that can be saved and restored exactly, so that a resumed run
 * continues with the same moments and step count.
 *
 * <p>Update (PyTorch {@code torch.optim.Adam}/{@code AdamW}): {@code m = b1 m + (1-b1) g},
 * {@code v = b2 v + (1-b2) g²}, {@code p -= lr · (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)}.
 * With {@code decoupled} (AdamW) the weight decay is {@code p -= lr · wd · p} before the step;
 * otherwise (Adam) {@code wd · p} is added to the gradient.
 */
public final class AdamOptimizer implements TrainOptimizer {

    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final boolean decoupled;
    private final NDManager stateManager;
    private final Map<String, NDArray> firstMoment = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoment = new LinkedHashMap<>();
    private long step;

    /**
     * @param stateManager where the moment arrays live (on the parameters' device)
     * @param beta1        first-moment decay, e.g. 0.9
     * @param beta2        second-moment decay, e.g. 0.999
     * @param epsilon      denominator term (Keras default 1e-7, PyTorch 1e-8)
     * @param weightDecay  L2 (Adam) or decoupled (AdamW) weight decay
     * @param decoupled    AdamW when true
     */
    public AdamOptimizer(NDManager stateManager, double beta1, double beta2, double epsilon, double weightDecay,
            boolean decoupled) {
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || epsilon <= 0 || weightDecay < 0) {
            throw new IllegalArgumentException("invalid Adam settings: beta1=" + beta1 + " beta2=" + beta2
                    + " epsilon=" + epsilon + " weightDecay=" + weightDecay);
        }
        this.stateManager = stateManager;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    /** Number of updates done. */
    public long step() {
        return step;
    }

    /**
     * Applies one update to every parameter that requires a gradient, then zeroes the gradients.
     *
     * @param parameters parameters by unique name
     * @param lr         learning rate for this step
     */
    public double defaultWeightDecay() {
        return weightDecay;
    }

    @Override
    public void update(Map<String, Parameter> parameters,
            java.util.function.ToDoubleFunction<String> lrOf,
            java.util.function.ToDoubleFunction<String> decayOf) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Parameter p = e.getValue();
            if (!p.requiresGradient()) {
                continue;
            }
            double lr = lrOf.applyAsDouble(e.getKey());
            double weightDecay = decayOf.applyAsDouble(e.getKey());
            NDArray w = p.getArray();
            if (!w.hasGradient()) {
                continue; // held but unused by the forward pass: no gradient, no state
            }
            NDArray m = firstMoment.computeIfAbsent(e.getKey(), k -> zerosLike(w));
            NDArray v = secondMoment.computeIfAbsent(e.getKey(), k -> zerosLike(w));
            try (NDManager scope = stateManager.newSubManager(w.getDevice())) {
                // Every temporary of this update is created in `scope` and freed with it; the
                // parameter and the moments only visit it.
                w.tempAttach(scope);
                m.tempAttach(scope);
                v.tempAttach(scope);
                NDArray g = w.getGradient();
                g.attach(scope);
                NDArray grad = weightDecay > 0 && !decoupled
                        ? g.add(Scalars.mul(w, (float) weightDecay))
                        : g;
                Scalars.muli(m, (float) beta1).addi(Scalars.mul(grad, (float) (1 - beta1)));
                Scalars.muli(v, (float) beta2)
                        .addi(Scalars.muli(grad.square(), (float) (1 - beta2)));
                NDArray upd = Scalars.muli(
                        m.div(Scalars.div(v, (float) bc2).sqrt().addi((float) epsilon)),
                        (float) (lr / bc1));
                if (weightDecay > 0 && decoupled) {
                    w.subi(Scalars.mul(w, (float) (lr * weightDecay)));
                }
                w.subi(upd);
                g.subi(g); // zero the gradient in place for the next step
            }
        }
    }

    private NDArray zerosLike(NDArray w) {
        NDArray z = stateManager.zeros(w.getShape(), w.getDataType(), w.getDevice());
        z.attach(stateManager);
        return z;
    }

    /**
     * The state as named arrays ({@code m.NAME}, {@code v.NAME}) plus the step count, for
     * checkpointing. The arrays are the live state: copy them before the next update if needed.
     */
    public Map<String, NDArray> stateArrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        firstMoment.forEach((k, v) -> out.put("m." + k, v));
        secondMoment.forEach((k, v) -> out.put("v." + k, v));
        return out;
    }

    /** Restores state saved by {@link #stateArrays()} and {@link #step()}. */
    public void restore(Map<String, NDArray> arrays, long steps) {
        firstMoment.clear();
        secondMoment.clear();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            NDArray copy = e.getValue().duplicate();
            copy.attach(stateManager);
            if (e.getKey().startsWith("m.")) {
                firstMoment.put(e.getKey().substring(2), copy);
            } else if (e.getKey().startsWith("v.")) {
                secondMoment.put(e.getKey().substring(2), copy);
            } else {
                throw new IllegalArgumentException("unexpected optimizer state key '" + e.getKey() + "'");
            }
        }
        this.step = steps;
    }
}
