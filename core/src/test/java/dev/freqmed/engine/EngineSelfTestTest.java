package dev.freqmed.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs the real self-test in child processes, with wrong results and a crash injected, and checks
 * what it decides.
 */
class EngineSelfTestTest {

    private static TaskResult find(SelfTestReport r, ConvClass c, ConvPath p) {
        return r.tasks().stream()
                .filter(t -> t.convClass().equals(c.name()) && t.path().equals(p.name()))
                .findFirst().orElseThrow(() -> new AssertionError("no result for " + c + " " + p
                        + " in " + r.tasks()));
    }

    @Test
    void injectedWrongResultAndCrashMoveThoseClassesOffTheEnginePath() throws IOException {
        Set<Path> reportsBefore = crashReports();
        SelfTestReport r = EngineSelfTest.run(new EngineSelfTest.Options(
                "SPATIAL:ENGINE=wrong;POINTWISE_STRIDED:ENGINE=crash;GROUPED:ENGINE=fault;"
                        + "ATTENTION:FUSED=wrong;GROUPNORM:NATIVE=wrong", 300));
        String all = r.tasks().stream().map(Object::toString)
                .collect(Collectors.joining("\n"));
        TaskResult wrong = find(r, ConvClass.SPATIAL, ConvPath.ENGINE);
        assertEquals("fail", wrong.status(), all);
        assertTrue(wrong.worstError() > KnownAnswerCheck.TOLERANCE, all);
        assertTrue(wrong.worstCase().contains("backward-data"), wrong.worstCase());
        TaskResult crash = find(r, ConvClass.POINTWISE_STRIDED, ConvPath.ENGINE);
        assertEquals("crash", crash.status(), all);
        assertTrue(crash.worstCase().contains("signal 8 (SIGFPE)"), crash.worstCase());
        assertTrue(r.processes() >= 2, "a crash needs a second process: " + r.processes());

        ConvRouting routing = r.routing("test");
        assertNotEquals(ConvPath.ENGINE, routing.paths().get(ConvClass.SPATIAL));
        assertNotEquals(ConvPath.ENGINE, routing.paths().get(ConvClass.POINTWISE_STRIDED));
        // The classes nothing was injected into keep the path the machine computes correctly,
        // and each chosen path passed its own checks.
        for (ConvClass c : ConvClass.values()) {
            ConvPath chosen = routing.paths().get(c);
            assertTrue(find(r, c, chosen).passed(), c + " -> " + chosen + "\n" + all);
        }
        assertEquals(List.of(), r.tasks().stream()
                .filter(t -> t.status().equals("crash") && !t.convClass().equals(
                        ConvClass.POINTWISE_STRIDED.name())
                        && !t.convClass().equals(ConvClass.GROUPED.name())).toList());
        // A child that really crashed leaves its JVM crash report in the temporary folder, not in
        // the user's working folder, and the result names it; the test removes the reports its
        // faults wrote.
        TaskResult fault = find(r, ConvClass.GROUPED, ConvPath.ENGINE);
        assertEquals("crash", fault.status(), all);
        assertNotEquals(ConvPath.ENGINE, routing.paths().get(ConvClass.GROUPED));
        assertEquals(reportsBefore, crashReports());
        String marker = "; JVM crash report ";
        assertTrue(fault.worstCase().contains(marker), fault.worstCase());
        for (TaskResult t : r.tasks()) {
            int at = t.worstCase().indexOf(marker);
            if (t.status().equals("crash") && at >= 0) {
                Path report = Path.of(t.worstCase().substring(at + marker.length()));
                assertEquals(Path.of(System.getProperty("java.io.tmpdir")), report.getParent());
                assertTrue(Files.isRegularFile(report), report.toString());
                Files.delete(report);
            }
        }
        // The fused attention kernel was checked once; a wrong result keeps attention explicit.
        TaskResult attention = r.attentionTask().orElseThrow(() -> new AssertionError(all));
        assertEquals("fail", attention.status(), all);
        assertTrue(attention.worstError() > KnownAnswerCheck.TOLERANCE, all);
        assertTrue(attention.worstCase().contains("grad k"), attention.worstCase());
        assertEquals(1, r.tasks().stream()
                .filter(t -> t.convClass().equals(AttentionCheck.TASK_CLASS)).count(), all);
        // So was the native group normalisation: a wrong result keeps it explicit.
        TaskResult norm = r.task(GroupNormCheck.TASK_CLASS)
                .orElseThrow(() -> new AssertionError(all));
        assertEquals("fail", norm.status(), all);
        assertTrue(norm.worstCase().contains("grad x"), norm.worstCase());
        assertEquals(1, r.tasks().stream()
                .filter(t -> t.convClass().equals(GroupNormCheck.TASK_CLASS)).count(), all);
    }

    private static Set<Path> crashReports() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("user.dir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("hs_err_pid"))
                    .collect(Collectors.toSet());
        }
    }
}
