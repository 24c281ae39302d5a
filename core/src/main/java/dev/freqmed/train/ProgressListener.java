package dev.freqmed.train;

import java.util.Map;

/**
 * Receives progress of long work (training, prediction, evaluation) so that a command-line bar
 * or a GUI can show it. Methods are called on the working thread and must return quickly.
 */
public interface ProgressListener {

    /** A listener that ignores everything. */
    ProgressListener NONE = new ProgressListener() { };

    /** An epoch starts with {@code steps} batches. */
    default void epochStarted(int epoch, int epochs, int steps) {
    }

    /** A training step finished. */
    default void step(int epoch, int step, int steps, double loss, double imagesPerSecond) {
    }

    /** Validation started. */
    default void validating(int epoch) {
    }

    /** An epoch finished with the given metrics (train_loss, val_loss, val_*, lr). */
    default void epochFinished(int epoch, Map<String, Double> metrics, boolean best) {
    }

    /** A free-form message for the user (checkpoint written, early stop, resumed). */
    default void message(String text) {
    }
}
