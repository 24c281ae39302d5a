package dev.freqmed.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Which path each class of convolution takes, and why.
 *
 * @param paths      the path per class (every class present)
 * @param mode       the mode it came from: {@code auto} (the self-test decided), or a forced path
 * @param nativeOnly whether oneDNN is switched off in the whole process (mode {@code native})
 * @param reason     one line saying where the table came from
 */
public record ConvRouting(Map<ConvClass, ConvPath> paths, String mode, boolean nativeOnly,
        String reason) {

    /** Order in which the self-test tries the paths of a class: fastest first. */
    public static final List<ConvPath> PREFERENCE =
            List.of(ConvPath.ENGINE, ConvPath.PADDED, ConvPath.IM2COL);

    /** Validates and freezes the table. */
    public ConvRouting {
        EnumMap<ConvClass, ConvPath> copy = new EnumMap<>(ConvClass.class);
        copy.putAll(paths);
        for (ConvClass c : ConvClass.values()) {
            if (!copy.containsKey(c)) {
                throw new IllegalArgumentException("routing has no path for " + c);
            }
        }
        paths = Collections.unmodifiableMap(copy);
    }

    /**
     * The same path for every class.
     *
     * @param path   the path
     * @param mode   the mode name
     * @param nativeOnly whether oneDNN is off process-wide
     * @param reason where it came from
     * @return the routing
     */
    public static ConvRouting uniform(ConvPath path, String mode, boolean nativeOnly,
            String reason) {
        EnumMap<ConvClass, ConvPath> m = new EnumMap<>(ConvClass.class);
        for (ConvClass c : ConvClass.values()) {
            m.put(c, path);
        }
        return new ConvRouting(m, mode, nativeOnly, reason);
    }

    /**
     * Chooses, per class, the first path of {@link #PREFERENCE} whose self-test passed.
     *
     * @param outcomes the self-test outcome of each (class, path) tried; a path not tried is
     *                 skipped
     * @param reason   where the outcomes came from
     * @return the routing
     * @throws IllegalStateException when a class has no passing path (the message names it)
     */
    public static ConvRouting decide(Map<ConvClass, Map<ConvPath, Boolean>> outcomes,
            String reason) {
        EnumMap<ConvClass, ConvPath> m = new EnumMap<>(ConvClass.class);
        List<String> broken = new ArrayList<>();
        for (ConvClass c : ConvClass.values()) {
            Map<ConvPath, Boolean> tried = outcomes.getOrDefault(c, Map.of());
            ConvPath chosen = null;
            for (ConvPath p : PREFERENCE) {
                if (Boolean.TRUE.equals(tried.get(p))) {
                    chosen = p;
                    break;
                }
            }
            if (chosen == null) {
                broken.add(c.name().toLowerCase(java.util.Locale.ROOT));
            } else {
                m.put(c, chosen);
            }
        }
        if (!broken.isEmpty()) {
            throw new IllegalStateException("the engine self-test found no correct convolution"
                    + " path for " + String.join(", ", broken) + " convolutions on this machine;"
                    + " run 'freqmed doctor' for details, or set FREQMED_CONV_PATH=native to use"
                    + " the engine's own kernels without oneDNN");
        }
        return new ConvRouting(m, "auto", false, reason);
    }

    /** The next path to try for a class after {@code failed}, or null when none is left. */
    static ConvPath next(ConvPath failed) {
        int i = PREFERENCE.indexOf(failed);
        return i + 1 < PREFERENCE.size() ? PREFERENCE.get(i + 1) : null;
    }

    /** Whether every class takes the engine's own path. */
    public boolean allEngine() {
        return paths.values().stream().allMatch(p -> p == ConvPath.ENGINE);
    }

    /** A one-line summary, e.g. {@code spatial=padded, grouped=engine, ...}. */
    public String summary() {
        if (nativeOnly) {
            return "ATen's own kernels for every convolution (oneDNN switched off)";
        }
        if (allEngine()) {
            return "engine (oneDNN) for every convolution";
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<ConvClass, ConvPath> e : paths.entrySet()) {
            parts.add(e.getKey().name().toLowerCase(java.util.Locale.ROOT) + "="
                    + e.getValue().name().toLowerCase(java.util.Locale.ROOT));
        }
        return String.join(", ", parts);
    }
}
