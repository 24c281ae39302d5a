package dev.freqmed.engine;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one run of the engine self-test found, as cached in the FreqMed folder.
 *
 * @param version     the self-test version (a newer FreqMed with new checks runs it again)
 * @param fingerprint the hash of CPU, engine and kernel-related settings it is valid for
 * @param cpu         the CPU, in words
 * @param engine      the engine, e.g. {@code PyTorch 2.7.1, DJL 0.35.0}
 * @param created     when it ran (ISO-8601)
 * @param millis      how long it took, child processes included
 * @param processes   how many child processes it needed (more than one after a crash)
 * @param tasks       the verdict on each (class, path) tried, in order, on the fused
 *                    attention kernel (class {@code ATTENTION}, path {@code FUSED}) and on the
 *                    native group normalisation (class {@code GROUPNORM}, path {@code NATIVE})
 */
public record SelfTestReport(int version, String fingerprint, String cpu, String engine,
        String created, long millis, int processes, List<TaskResult> tasks) {

    /** Copies the task list. */
    public SelfTestReport {
        tasks = List.copyOf(tasks);
    }

    /**
     * The routing these verdicts support: per class, the fastest path that passed.
     *
     * @param source where the report came from, for the routing's reason (e.g. {@code cached})
     * @return the routing
     * @throws IllegalStateException when a class has no passing path
     */
    public ConvRouting routing(String source) {
        Map<ConvClass, Map<ConvPath, Boolean>> outcomes = new EnumMap<>(ConvClass.class);
        for (TaskResult t : tasks) {
            if (!EngineSelfTest.isConvTask(t.convClass())) {
                continue; // a single kernel's task (attention, group norm)
            }
            outcomes.computeIfAbsent(ConvClass.valueOf(t.convClass()),
                    k -> new EnumMap<>(ConvPath.class))
                    .put(ConvPath.valueOf(t.path()), t.passed());
        }
        return ConvRouting.decide(outcomes, "self-test " + source + " (" + created + ")");
    }

    /**
     * The verdict on the fused attention kernel, when this report checked it.
     *
     * @return the task {@code ATTENTION:FUSED}
     */
    @JsonIgnore
    public Optional<TaskResult> attentionTask() {
        return task(AttentionCheck.TASK_CLASS);
    }

    /**
     * The verdict on a single kernel's task, when this report checked it.
     *
     * @param taskClass the task's class, e.g. {@code ATTENTION} or {@code GROUPNORM}
     * @return its last result
     */
    public Optional<TaskResult> task(String taskClass) {
        return tasks.stream().filter(t -> taskClass.equals(t.convClass())).reduce((a, b) -> b);
    }

    /** Whether every class passed on the engine's own path. */
    @JsonIgnore
    public boolean engineCorrect() {
        return tasks.stream().filter(t -> ConvPath.ENGINE.name().equals(t.path()))
                .allMatch(TaskResult::passed);
    }
}
