package dev.freqmed.spark;

import dev.freqmed.cli.Main;
import java.io.PrintWriter;

/**
 * The {@code freqmed} command with {@code batch} added; the launcher uses it for {@code freqmed
 * batch} so that Spark's libraries are on the class path only for that command.
 */
public final class BatchMain {

    private BatchMain() {
    }

    /** Entry point: exits with the command's code. */
    public static void main(String[] args) {
        System.exit(Main.commandLine(new BatchCommand()).execute(args));
    }

    /** Runs a command in-process and returns its exit code (for tests). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        var cl = Main.commandLine(new BatchCommand());
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }
}
