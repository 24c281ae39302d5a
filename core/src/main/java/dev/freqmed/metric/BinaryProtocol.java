package dev.freqmed.metric;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where the {@code binary} family compares predictions with the ground truth.
 *
 * <ul>
 * <li>{@link #NATIVE}: at the ground truth's original size; predictions must have that size.
 * <li>{@link #REFERENCE}: as FRCU-Net's {@code Evaluate_Skin.py} scores, at the network's square
 *     input size; see {@link BinaryFamily} for the exact steps.
 * </ul>
 */
public enum BinaryProtocol {
    /** Original size (the default). */
    NATIVE,
    /** The FRCU-Net reference's network input size. */
    REFERENCE;

    /** Lower-case name as written in reports and on the command line. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The protocol called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException for an unknown name, listing the valid ones
     */
    public static BinaryProtocol parse(String name) {
        for (BinaryProtocol p : values()) {
            if (p.configName().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown binary evaluation protocol '" + name
                + "'; valid protocols: " + Arrays.stream(values()).map(BinaryProtocol::configName)
                        .collect(Collectors.joining(", ")));
    }
}
