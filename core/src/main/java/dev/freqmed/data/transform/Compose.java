package dev.freqmed.data.transform;

import dev.freqmed.data.Sample;
import java.util.List;
import java.util.Random;

/** Applies transforms in order. */
public final class Compose implements Transform {

    private final List<Transform> steps;

    private Compose(List<Transform> steps) {
        this.steps = List.copyOf(steps);
    }

    /** A transform applying {@code steps} in the given order. */
    public static Compose of(Transform... steps) {
        return new Compose(List.of(steps));
    }

    /** A transform applying {@code steps} in the given order. */
    public static Compose of(List<Transform> steps) {
        return new Compose(steps);
    }

    @Override
    public Sample apply(Sample sample, Random rng) {
        Sample s = sample;
        for (Transform t : steps) {
            s = t.apply(s, rng);
        }
        return s;
    }
}
