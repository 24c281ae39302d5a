package dev.freqmed.io;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * How {@link StateDicts#load} matches a tensor map to a network.
 *
 * <p>Patterns are globs over whole keys: {@code *} matches any run of characters (dots
 * included), {@code ?} one character, everything else itself; {@code "decoder.*"} matches every
 * key under {@code decoder}.
 *
 * @param strict when true (the default) any missing, unexpected or mismatched key fails the load
 *     before a single parameter is written
 * @param allowMissing network keys that may be absent from the file (partial loads, e.g. a
 *     backbone only)
 * @param ignoreUnexpected file keys that may be left unused (e.g. a classifier head)
 * @param rename maps a file key to a network key, or to null to drop it; applied before matching
 */
public record LoadOptions(boolean strict, List<String> allowMissing, List<String> ignoreUnexpected,
        UnaryOperator<String> rename) {

    /** Validates and copies the lists. */
    public LoadOptions {
        allowMissing = List.copyOf(allowMissing);
        ignoreUnexpected = List.copyOf(ignoreUnexpected);
        if (rename == null) {
            rename = UnaryOperator.identity();
        }
    }

    /** Strict loading with no renaming. */
    public static LoadOptions strictDefaults() {
        return new LoadOptions(true, List.of(), List.of(), UnaryOperator.identity());
    }

    /** Loads what matches and reports the rest without failing. */
    public static LoadOptions lenient() {
        return new LoadOptions(false, List.of(), List.of(), UnaryOperator.identity());
    }

    /** A copy that also allows the network keys matching {@code glob} to be missing. */
    public LoadOptions withAllowMissing(String glob) {
        List<String> l = new ArrayList<>(allowMissing);
        l.add(glob);
        return new LoadOptions(strict, l, ignoreUnexpected, rename);
    }

    /** A copy that also ignores the file keys matching {@code glob}. */
    public LoadOptions withIgnoreUnexpected(String glob) {
        List<String> l = new ArrayList<>(ignoreUnexpected);
        l.add(glob);
        return new LoadOptions(strict, allowMissing, l, rename);
    }

    /** A copy with another key rename function (applied after this one's). */
    public LoadOptions withRename(UnaryOperator<String> next) {
        UnaryOperator<String> first = rename;
        return new LoadOptions(strict, allowMissing, ignoreUnexpected,
                k -> {
                    String r = first.apply(k);
                    return r == null ? null : next.apply(r);
                });
    }

    /** Whether {@code key} matches any of the globs. */
    static boolean matchesAny(List<String> globs, String key) {
        for (String g : globs) {
            if (globToRegex(g).matcher(key).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Compiles a glob ({@code *}, {@code ?}) to a regular expression. */
    static Pattern globToRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        StringBuilder lit = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (lit.length() > 0) {
                    sb.append(Pattern.quote(lit.toString()));
                    lit.setLength(0);
                }
                sb.append(c == '*' ? ".*" : ".");
            } else {
                lit.append(c);
            }
        }
        if (lit.length() > 0) {
            sb.append(Pattern.quote(lit.toString()));
        }
        return Pattern.compile(sb.toString(), Pattern.DOTALL);
    }
}
