package dev.freqmed.cli;

import dev.freqmed.config.Configs;
import dev.freqmed.engine.Doctor;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code freqmed doctor}: the CPU, the engine, the self-test's findings and the chosen paths. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Show the CPU, the engine, what the engine self-test found and which"
                + " convolution path each case takes.")
final class DoctorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--rerun", description = "Run the engine self-test again instead of using"
            + " the cached verdict.")
    boolean rerun;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        EngineSetup.quiet();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Configs.json().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(Doctor.json(rerun)));
        } else {
            for (String line : Doctor.text(rerun)) {
                out.println(line);
            }
        }
        out.flush();
        return 0;
    }
}
