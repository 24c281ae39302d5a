package dev.freqmed.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.freqmed.tensor.Scalars;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Stochastic gradient descent with momentum and L2 weight decay, as {@code torch.optim.SGD}
 * (dampening 0, not Nesterov): {@code g += wd·w; b = μ·b + g} (b = g at the first step);
 * {@code w -= lr·b}. State: one momentum buffer per parameter ({@code b.NAME}).
 */
public final class SgdOptimizer implements TrainOptimizer {

    private final NDManager stateManager;
    private final double momentum;
    private final double weightDecay;
    private final Map<String, NDArray> buffers = new LinkedHashMap<>();
    private long step;

    /**
     * @param stateManager manager owning the momentum buffers
     * @param momentum     momentum μ in [0, 1)
     * @param weightDecay  L2 weight decay, at least 0
     */
    public SgdOptimizer(NDManager stateManager, double momentum, double weightDecay) {
        if (!(momentum >= 0 && momentum < 1) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("SGD needs 0 <= momentum < 1 and weightDecay >= 0,"
                    + " found momentum=" + momentum + " weightDecay=" + weightDecay);
        }
        this.stateManager = stateManager;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    public long step() {
        return step;
    }

    @Override
    public double defaultWeightDecay() {
        return weightDecay;
    }

    @Override
    public void update(Map<String, Parameter> parameters, ToDoubleFunction<String> lrOf,
            ToDoubleFunction<String> decayOf) {
        step++;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            NDArray w = e.getValue().getArray();
            if (!e.getValue().requiresGradient() || !w.hasGradient()) {
                continue;
            }
            double lr = lrOf.applyAsDouble(e.getKey());
            double wd = decayOf.applyAsDouble(e.getKey());
            try (NDManager scope = stateManager.newSubManager(w.getDevice())) {
                w.tempAttach(scope);
                NDArray g = w.getGradient();
                g.attach(scope);
                NDArray d = wd > 0 ? g.add(Scalars.mul(w, (float) wd)) : g.duplicate();
                NDArray b = buffers.get(e.getKey());
                if (momentum > 0) {
                    if (b == null) {
                        b = d.duplicate();
                        b.attach(stateManager);
                        buffers.put(e.getKey(), b);
                    } else {
                        b.tempAttach(scope);
                        Scalars.muli(b, (float) momentum).addi(d);
                    }
                    d = b;
                }
                w.subi(Scalars.mul(d, (float) lr));
                g.subi(g); // zero the gradient in place for the next step
            }
        }
    }

    @Override
    public Map<String, NDArray> stateArrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        buffers.forEach((k, v) -> out.put("b." + k, v));
        return out;
    }

    @Override
    public void restore(Map<String, NDArray> arrays, long steps) {
        buffers.clear();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            if (!e.getKey().startsWith("b.")) {
                throw new IllegalArgumentException("unexpected SGD state key '" + e.getKey()
                        + "'");
            }
            NDArray copy = e.getValue().duplicate();
            copy.attach(stateManager);
            buffers.put(e.getKey().substring(2), copy);
        }
        step = steps;
    }
}
