package dev.freqmed.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code freqmed} command: one subcommand per job. */
@Command(
        name = "freqmed",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Frequency-aware networks for medical images: train, predict, evaluate, benchmark.",
        subcommands = {
            CommandLine.HelpCommand.class,
            TrainCommand.class,
            PredictCommand.class,
            TranslateCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            EvaluateCommand.class,
            WeightsCommand.class,
            ImportWeightsCommand.class,
            DoctorCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with FreqMed's error handling (one line per error, no stack trace). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new Errors());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /** Entry point: exits with the command's code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Runs a command in-process and returns its exit code (for tests). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** Prints the version of FreqMed. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"freqmed " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
