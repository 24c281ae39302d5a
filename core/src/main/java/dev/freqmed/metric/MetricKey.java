package dev.freqmed.metric;

/**
 * A named scalar that an evaluation family reports or training tracks, with the direction in
 * which it improves. Registered in {@link MetricRegistry}; training monitors ({@code val_dice},
 * {@code val_loss}, ...) are looked up there.
 *
 * @param name      the key as it appears in results ({@code dice}, {@code MAE}, {@code fid})
 * @param direction whether smaller or larger values are better
 * @param meaning   one line saying what the value is
 */
public record MetricKey(String name, Direction direction, String meaning) {

    /** Validates. */
    public MetricKey {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("metric key name must not be blank");
        }
        if (direction == null) {
            throw new IllegalArgumentException("metric key '" + name + "' needs a direction");
        }
    }

    /** A key whose larger values are better. */
    public static MetricKey maximized(String name, String meaning) {
        return new MetricKey(name, Direction.MAXIMIZE, meaning);
    }

    /** A key whose smaller values are better. */
    public static MetricKey minimized(String name, String meaning) {
        return new MetricKey(name, Direction.MINIMIZE, meaning);
    }
}
