package dev.freqmed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freqmed.engine.ConvClass;
import dev.freqmed.engine.ConvRouter;
import org.junit.jupiter.api.Test;

class DoctorCommandTest {

    @Test
    void printsCpuEngineVerdictsAndThePathOfEveryCheckedShape() {
        CliRunner.Result r = CliRunner.run("doctor");
        assertEquals(0, r.code(), r.err());
        for (String s : new String[] {"CPU:", "Engine:", "PyTorch", "Routing:",
            "Checked shapes and the path each takes:", "n2 16->8 16x16 k3x3 s1 p1 d1 g1"}) {
            assertTrue(r.out().contains(s), "missing '" + s + "' in\n" + r.out());
        }
        String routed = ConvRouter.routing().nativeOnly() ? "native"
                : ConvRouter.pathFor(ConvClass.SPATIAL).name().toLowerCase();
        assertTrue(r.out().contains("spatial            -> " + routed), r.out());
    }

    @Test
    void jsonNamesTheRoutingOfEveryClass() throws Exception {
        CliRunner.Result r = CliRunner.run("doctor", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        for (ConvClass c : ConvClass.values()) {
            assertEquals(ConvRouter.pathFor(c).name(), j.get("routing").get(c.name()).asText());
        }
        assertTrue(j.get("cpu").get("flags").asText().length() > 0 || j.get("cpu").has("vendor"));
    }
}
