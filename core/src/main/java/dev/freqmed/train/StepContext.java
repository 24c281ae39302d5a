package dev.freqmed.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freqmed.model.TaskAdapter;
import dev.freqmed.tensor.Scalars;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * What a {@link TrainStep} works with: the network and task, the engine manager of the run, the
 * optimiser with the learning rate and weight decay of each parameter (its group's), gradient
 * clamping, and where the step is in the run (for messages).
 */
public final class StepContext {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StepContext.class);
    private static volatile long skippedUpdates;

    private final Block network;
    private final TaskAdapter task;
    private final NDManager manager;
    private final ParameterStore ps;
    private final TrainOptimizer optimizer;
    private final Map<String, Parameter> trainable;
    private final ParameterGroups groups;
    private final double learningRate;
    private final double gradientClamp;
    private final BiFunction<Long, NDArray, NDArray> lossHook;
    private final long step;
    private final int epoch;
    private final int batchIndex;
    private final String lastCheckpoint;
    private boolean lastSkipped;

    StepContext(Block network, TaskAdapter task, NDManager manager, ParameterStore ps,
            TrainOptimizer optimizer, Map<String, Parameter> trainable, ParameterGroups groups,
            double learningRate, double gradientClamp, BiFunction<Long, NDArray, NDArray> lossHook,
            long step, int epoch, int batchIndex, String lastCheckpoint) {
        this.network = network;
        this.task = task;
        this.manager = manager;
        this.ps = ps;
        this.optimizer = optimizer;
        this.trainable = trainable;
        this.groups = groups;
        this.learningRate = learningRate;
        this.gradientClamp = gradientClamp;
        this.lossHook = lossHook;
        this.step = step;
        this.epoch = epoch;
        this.batchIndex = batchIndex;
        this.lastCheckpoint = lastCheckpoint;
    }

    /**
     * A context outside a training run (benchmarks): every trainable parameter in one group,
     * no loss hook.
     *
     * @param network   the network
     * @param task      its task
     * @param manager   engine manager
     * @param optimizer optimiser
     * @param trainable the parameters to update
     * @param lr        learning rate
     * @return the context
     */
    public static StepContext standalone(Block network, TaskAdapter task, NDManager manager,
            TrainOptimizer optimizer, Map<String, Parameter> trainable, double lr) {
        return new StepContext(network, task, manager, new ParameterStore(manager, false),
                optimizer, trainable, ParameterGroups.none(lr, optimizer.defaultWeightDecay()),
                lr, 0, null, 0, 0, 0, "none");
    }

    /** The network being trained. */
    public Block network() {
        return network;
    }

    /** The task. */
    public TaskAdapter task() {
        return task;
    }

    /** The run's engine manager; a step makes its arrays in sub-managers of it. */
    public NDManager manager() {
        return manager;
    }

    /** The base learning rate of this step (before group multipliers). */
    public double learningRate() {
        return learningRate;
    }

    /** The parameter store of the run (training forward passes of a custom step). */
    public ParameterStore parameterStore() {
        return ps;
    }

    /**
     * One optimisation of a loss the step computes itself (a step with several objectives): the
     * loss recorded by autograd, a finite check naming {@code what}, backward, element-wise
     * clamping when configured, scaling of all trainable gradients to a global L2 norm of at most
     * {@code clipNorm} ({@code torch.nn.utils.clip_grad_norm_}; 0 = off), one optimiser update.
     * With clipping on, a non-finite gradient norm skips the update ({@link #lastUpdateSkipped()}).
     *
     * @param what     name of the objective, for messages
     * @param loss     computes the scalar loss from the parameter store, in training mode
     * @param clipNorm largest global gradient norm, or 0
     * @return the loss value
     * @throws IllegalStateException when the loss is NaN or infinite (naming the objective, the
     *                               step and the last good checkpoint)
     */
    public float optimise(String what, java.util.function.Function<ParameterStore, NDArray> loss,
            double clipNorm) {
        float value;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.apply(ps);
            if (lossHook != null) {
                l = lossHook.apply(step, l);
            }
            value = l.getFloat();
            if (!Float.isFinite(value)) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s loss is %s at step %d (epoch %d, batch %d); training stopped, the last"
                                + " good checkpoint is %s", what, value, step, epoch, batchIndex,
                        lastCheckpoint));
            }
            gc.backward(l);
        }
        if (gradientClamp > 0) {
            TrainingRun.clampGradients(trainable, gradientClamp);
        }
        lastSkipped = false;
        if (clipNorm > 0 && !Double.isFinite(clipGradientNorm(trainable, clipNorm))) {
            zeroGradients(trainable);
            lastSkipped = true;
            return value;
        }
        optimizer.update(trainable, key -> learningRate * groups.learningRateFactor(key),
                groups::weightDecay);
        return value;
    }

    /**
     * Whether the last {@link #optimise(String, java.util.function.Function, double)} skipped its
     * update because the gradient norm was not finite (as PyTorch's AMP gradient scaler skips
     * such steps); the gradients were zeroed and no parameter changed.
     */
    public boolean lastUpdateSkipped() {
        return lastSkipped;
    }

    /** Sets every gradient of {@code params} to zero in place. */
    public static void zeroGradients(Map<String, Parameter> params) {
        for (Parameter p : params.values()) {
            NDArray w = p.getArray();
            if (p.requiresGradient() && w.hasGradient()) {
                // The write makes a 0-d helper in the gradient's manager, the network's: give the
                // handle a scope of its own so that the helper goes with it.
                try (NDManager scope = w.getManager().newSubManager()) {
                    NDArray g = w.getGradient();
                    g.attach(scope);
                    g.set(new ai.djl.ndarray.index.NDIndex("..."), 0f);
                }
            }
        }
    }

    /**
     * Where a gradient norm that is not finite comes from, for messages: the parameters whose
     * gradient holds a NaN or an infinity (the first three names and how many in all), or, when
     * every element is finite and only the sum of squares overflowed, the three parameters with
     * the largest gradient elements, with those elements.
     *
     * @param params parameters by key
     * @return e.g. {@code "a.weight, b.bias (2 parameters)"}
     */
    static String nonFiniteGradients(Map<String, Parameter> params) {
        java.util.List<String> bad = new java.util.ArrayList<>();
        java.util.TreeMap<Float, String> largest = new java.util.TreeMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray w = e.getValue().getArray();
            if (e.getValue().requiresGradient() && w.hasGradient()) {
                try (NDArray g = w.getGradient(); NDArray a = g.abs(); NDArray m = a.max()) {
                    float v = m.getFloat();
                    if (!Float.isFinite(v)) {
                        bad.add(e.getKey());
                    } else {
                        largest.put(v, e.getKey());
                        if (largest.size() > 3) {
                            largest.pollFirstEntry();
                        }
                    }
                }
            }
        }
        if (bad.isEmpty()) {
            StringBuilder b = new StringBuilder("largest elements:");
            for (Map.Entry<Float, String> e : largest.descendingMap().entrySet()) {
                b.append(' ').append(e.getValue()).append(' ').append(e.getKey()).append(';');
            }
            return b.substring(0, b.length() - 1);
        }
        return String.join(", ", bad.subList(0, Math.min(3, bad.size()))) + " ("
                + bad.size() + (bad.size() == 1 ? " parameter)" : " parameters)");
    }

    /**
     * Scales the gradients of {@code params} in place so that their global L2 norm is at most
     * {@code max} ({@code torch.nn.utils.clip_grad_norm_}: factor {@code max / (norm + 1e-6)} when
     * below 1).
     *
     * @param params parameters; those without a gradient are skipped
     * @param max    the largest norm, positive
     * @return the norm before clipping
     */
    public static double clipGradientNorm(Map<String, Parameter> params, double max) {
        double sq = 0;
        java.util.List<NDArray> grads = new java.util.ArrayList<>();
        for (Parameter p : params.values()) {
            NDArray w = p.getArray();
            if (p.requiresGradient() && w.hasGradient()) {
                NDArray g = w.getGradient();
                grads.add(g);
                try (NDArray square = g.square(); NDArray sum = square.sum()) {
                    sq += sum.getFloat();
                }
            }
        }
        double norm = Math.sqrt(sq);
        double factor = max / (norm + 1e-6);
        for (NDArray g : grads) {
            if (factor < 1) {
                Scalars.muli(g, (float) factor);
            }
            g.close();
        }
        return norm;
    }

    /**
     * One optimisation: forward in training mode, the task's loss, a check that it is finite,
     * backward, a check that the gradients are finite (else the update is skipped with a warning,
     * {@link #lastUpdateSkipped()}), element-wise gradient clamping when configured, and one
     * optimiser update of every trainable parameter with its group's learning rate and weight decay.
     *
     * @param inputs network inputs
     * @param labels targets for the task's loss
     * @return the loss value
     * @throws IllegalStateException when the loss is NaN or infinite (naming the step, the epoch
     *                               and the last good checkpoint)
     */
    public float optimise(NDList inputs, NDList labels) {
        float value;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDList outputs = network.forward(ps, inputs, true);
            NDArray loss = task.loss(outputs, labels);
            if (lossHook != null) {
                loss = lossHook.apply(step, loss);
            }
            value = loss.getFloat();
            if (!Float.isFinite(value)) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "loss is %s at step %d (epoch %d, batch %d); training stopped, the last"
                                + " good checkpoint is %s", value, step, epoch, batchIndex,
                        lastCheckpoint));
            }
            gc.backward(loss);
        }
        lastSkipped = false;
        if (!Double.isFinite(clipGradientNorm(trainable, Double.POSITIVE_INFINITY))) {
            // A finite loss with a non-finite gradient (a singular backward somewhere): the update
            // is skipped, as PyTorch's gradient scaler does, so the weights stay finite.
            String where = nonFiniteGradients(trainable);
            zeroGradients(trainable);
            lastSkipped = true;
            skippedUpdates++;
            LOG.warn("non-finite gradient at step {} (epoch {}, batch {}) in {}, update skipped ({} so far)",
                    step, epoch, batchIndex, where, skippedUpdates);
            return value;
        }
        if (gradientClamp > 0) {
            TrainingRun.clampGradients(trainable, gradientClamp);
        }
        optimizer.update(trainable, key -> learningRate * groups.learningRateFactor(key),
                groups::weightDecay);
        return value;
    }

    /** Updates skipped by {@link #optimise(NDList, NDList)} in this JVM because a gradient was not finite. */
    public static long skippedUpdates() {
        return skippedUpdates;
    }
}
