package dev.freqmed.train;

import ai.djl.nn.Parameter;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters split into named groups by key patterns (globs over PyTorch-style keys, e.g.
 * {@code backbone.*}, {@code *.lora_*}): each group may have its own learning rate and weight
 * decay, or be frozen (no gradient, not in the optimiser state). A parameter belongs to the first
 * group whose pattern matches it; others take the run's learning rate and weight decay.
 */
public final class ParameterGroups {

    /**
     * One group as configured under {@code train.groups}.
     *
     * @param name         a name for logs
     * @param params       glob patterns over parameter keys ({@code *} matches dots too)
     * @param learningRate the group's base learning rate (scaled by the schedule like the run's);
     *                     null for the run's
     * @param weightDecay  the group's weight decay; null for the run's
     * @param frozen       whether the group is not trained (absent = false)
     */
    public record Group(String name, List<String> params, Double learningRate,
            Double weightDecay, Boolean frozen) {

        /** Validates. */
        public Group {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("train.groups: every group needs a name");
            }
            if (params == null || params.isEmpty()) {
                throw new IllegalArgumentException("train.groups." + name + ": params (glob"
                        + " patterns over parameter keys) is required");
            }
            if (learningRate != null && !(learningRate > 0)) {
                throw new IllegalArgumentException("train.groups." + name + ".learningRate must"
                        + " be > 0, found " + learningRate);
            }
            if (weightDecay != null && !(weightDecay >= 0)) {
                throw new IllegalArgumentException("train.groups." + name + ".weightDecay must"
                        + " be >= 0, found " + weightDecay);
            }
            params = List.copyOf(params);
            frozen = frozen != null && frozen;
        }
    }

    private final Map<String, Group> byKey = new LinkedHashMap<>();
    private final double baseLearningRate;
    private final double baseWeightDecay;

    /**
     * Assigns every key to its group.
     *
     * @param keys             the network's parameter keys
     * @param groups           the configured groups, in order of precedence
     * @param baseLearningRate the run's learning rate
     * @param baseWeightDecay  the run's weight decay
     * @throws IllegalArgumentException when a group matches no parameter (a typo would otherwise
     *                                  pass silently)
     */
    public ParameterGroups(Iterable<String> keys, List<Group> groups, double baseLearningRate,
            double baseWeightDecay) {
        this.baseLearningRate = baseLearningRate;
        this.baseWeightDecay = baseWeightDecay;
        List<PathMatcher[]> matchers = new ArrayList<>();
        for (Group g : groups) {
            PathMatcher[] ms = new PathMatcher[g.params().size()];
            for (int i = 0; i < ms.length; i++) {
                // Keys have no '/', so '*' of a path glob spans dots.
                ms[i] = FileSystems.getDefault().getPathMatcher("glob:" + g.params().get(i));
            }
            matchers.add(ms);
        }
        int[] hits = new int[groups.size()];
        for (String k : keys) {
            for (int i = 0; i < groups.size(); i++) {
                if (matches(matchers.get(i), k)) {
                    byKey.put(k, groups.get(i));
                    hits[i]++;
                    break;
                }
            }
        }
        for (int i = 0; i < groups.size(); i++) {
            if (hits[i] == 0) {
                throw new IllegalArgumentException("train.groups." + groups.get(i).name()
                        + ": no parameter matches " + groups.get(i).params());
            }
        }
    }

    private static boolean matches(PathMatcher[] ms, String key) {
        Path p = Path.of(key);
        for (PathMatcher m : ms) {
            if (m.matches(p)) {
                return true;
            }
        }
        return false;
    }

    /** No groups: every parameter trains with the run's settings. */
    public static ParameterGroups none(double learningRate, double weightDecay) {
        return new ParameterGroups(List.of(), List.of(), learningRate, weightDecay);
    }

    /** The group of {@code key}, or null for the default. */
    public Group groupOf(String key) {
        return byKey.get(key);
    }

    /** Whether {@code key} is frozen. */
    public boolean frozen(String key) {
        Group g = byKey.get(key);
        return g != null && g.frozen();
    }

    /** The factor on the scheduled learning rate for {@code key}. */
    public double learningRateFactor(String key) {
        Group g = byKey.get(key);
        return g == null || g.learningRate() == null ? 1.0 : g.learningRate() / baseLearningRate;
    }

    /** The weight decay of {@code key}. */
    public double weightDecay(String key) {
        Group g = byKey.get(key);
        return g == null || g.weightDecay() == null ? baseWeightDecay : g.weightDecay();
    }

    /**
     * The parameters that train: requiring a gradient and not frozen; frozen ones are marked as
     * requiring no gradient.
     *
     * @param all every parameter by key
     * @return the trainable ones, in order
     */
    public Map<String, Parameter> trainable(Map<String, Parameter> all) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : all.entrySet()) {
            if (!e.getValue().requiresGradient()) {
                continue;
            }
            if (frozen(e.getKey())) {
                e.getValue().freeze(true);
                continue;
            }
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }
}
