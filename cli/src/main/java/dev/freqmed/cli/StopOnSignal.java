package dev.freqmed.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns the first Ctrl-C (SIGINT) or SIGTERM of a long command into a polite request to stop,
 * and a second one into an immediate exit (status 130).
 *
 * <p>The JVM's own handling runs the shutdown hooks at once, and the engine's hook frees native
 * memory that the main thread may still be computing with: a Ctrl-C in the middle of a
 * training step crashed the process instead of stopping it. Here the command finishes its step
 * and returns normally; the hooks run afterwards, when nothing is in use.
 */
final class StopOnSignal implements AutoCloseable {

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    /**
     * @param what    names the work in the message printed on the first signal
     * @param err     where that message goes
     * @param onFirst what the first signal asks for (must return at once)
     */
    StopOnSignal(String what, PrintWriter err, Runnable onFirst) {
        AtomicInteger count = new AtomicInteger();
        SignalHandler handler = sig -> {
            if (count.incrementAndGet() == 1) {
                err.println();
                err.println(what + ": stopping after the current step (SIG" + sig.getName()
                        + "); press Ctrl-C again to quit at once");
                err.flush();
                onFirst.run();
            } else {
                Runtime.getRuntime().halt(130);
            }
        };
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal s = new Signal(name);
                previous.add(Signal.handle(s, handler));
                signals.add(s);
            } catch (IllegalArgumentException e) {
                // this platform does not offer the signal, or the JVM reserves it (-Xrs): keep its default
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
    }
}
