package dev.freqmed.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Turns exceptions from commands into one clear line on standard error and a non-zero exit code.
 * Set {@code FREQMED_DEBUG=1} to see the stack trace as well.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {

    /** Exit code for bad input (files, configs, arguments). */
    static final int BAD_INPUT = 2;
    /** Exit code for a failure during computation (NaN loss, engine error). */
    static final int FAILED = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        cl.getErr().println("freqmed " + cl.getCommandName() + ": error: " + message(t));
        if (System.getenv("FREQMED_DEBUG") != null) {
            t.printStackTrace(cl.getErr());
        }
        cl.getErr().flush();
        return t instanceof IOException || t instanceof IllegalArgumentException ? BAD_INPUT : FAILED;
    }

    /** A one-line description of an exception, with the file name for missing files. */
    static String message(Throwable t) {
        if (t instanceof NoSuchFileException n) {
            String reason = n.getReason() == null ? "no such file" : n.getReason();
            return n.getFile() + ": " + reason;
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        // Messages are one line, except tables (a weight mismatch lists one key per line).
        return m;
    }
}
