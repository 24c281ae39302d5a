package dev.freqmed.data.transform;

import dev.freqmed.data.Sample;
import java.util.Random;

/** A sample-to-sample function whose randomness comes only from the {@link Random} it is handed. */
@FunctionalInterface
public interface Transform {

    /** Applies the transform. */
    Sample apply(Sample sample, Random rng);
}
