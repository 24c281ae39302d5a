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
        footer = {"", "freqmed batch runs predict over many images on Apache Spark (see 'freqmed batch --help')."},
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
            NucleiCommand.class,
            FewShotCommand.class,
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
        return commandLine(new Object[0]);
    }

    /**
     * Builds the command line with extra subcommands (modules with their own class path, such as
     * {@code batch}, add theirs) and FreqMed's error handling.
     */
    public static CommandLine commandLine(Object... extraSubcommands) {
        CommandLine cl = new CommandLine(new Main());
        for (Object sub : extraSubcommands) {
            cl.addSubcommand(sub);
        }
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
