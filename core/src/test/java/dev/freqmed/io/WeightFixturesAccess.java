package dev.freqmed.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/** Public access to {@link WeightFixtures} for tests in sub-packages. */
public final class WeightFixturesAccess {

    private WeightFixturesAccess() {
    }

    /** A fixture file. */
    public static Path file(String name) {
        return WeightFixtures.file(name);
    }

    /** The parsed expected.json. */
    public static JsonNode expected() {
        return WeightFixtures.expected();
    }

    /** Checks a tensor against its expected.json entry. */
    public static void check(String name, JsonNode exp, HostTensor t) {
        WeightFixtures.check(name, exp, t);
    }
}
