package dev.freqmed.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Switches of libtorch that DJL does not expose, reached through JNA in the libraries DJL has
 * already loaded: ATen's global "use oneDNN" flag ({@code torch.backends.mkldnn.enabled}) and
 * the native log level of c10. Linux only (the loaded libraries are found through
 * {@code /proc/self/maps}); elsewhere the switches report themselves unavailable.
 */
public final class NativeEngine {

    /** c10 log severities: 0 info, 1 warning, 2 error, 3 fatal. */
    public static final int LOG_WARNING = 1;
    /** c10 log severity that hides warnings. */
    public static final int LOG_ERROR = 2;

    private NativeEngine() {
    }

    /**
     * Turns ATen's use of oneDNN on or off in this process (every thread, every later call,
     * including the backward passes). The engine must already be loaded.
     *
     * @param enabled the new state
     * @throws IllegalStateException when libtorch cannot be reached
     */
    public static void setOneDnnEnabled(boolean enabled) {
        NativeLibrary lib = library("libtorch_cpu.so");
        Pointer ctx = lib.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
        lib.getFunction("_ZN2at7Context20setUserEnabledMkldnnEb")
                .invokeVoid(new Object[] {ctx, (byte) (enabled ? 1 : 0)});
    }

    /**
     * Whether ATen uses oneDNN in this process.
     *
     * @return the flag
     * @throws IllegalStateException when libtorch cannot be reached
     */
    public static boolean oneDnnEnabled() {
        NativeLibrary lib = library("libtorch_cpu.so");
        Pointer ctx = lib.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
        Function f = lib.getFunction("_ZNK2at7Context17userEnabledMkldnnEv");
        return (f.invokeInt(new Object[] {ctx}) & 0xff) != 0;
    }

    /**
     * Sets c10's minimum log severity (warnings of libtorch such as "Could not initialize NNPACK"
     * or deprecation notices are severity 1). Does nothing where the library cannot be reached.
     *
     * @param severity 0 info, 1 warning, 2 error, 3 fatal
     * @return whether the level was set
     */
    public static boolean setLogLevel(int severity) {
        try {
            NativeLibrary lib = library("libc10.so");
            lib.getGlobalVariableAddress("FLAGS_caffe2_log_level").setInt(0, severity);
            return true;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return false;
        }
    }

    /** The path of a loaded shared library whose file name is {@code name}, if any. */
    static Optional<Path> loadedLibrary(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.endsWith("/" + name)) {
                    return Optional.of(Path.of(line.substring(slash)));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static NativeLibrary library(String name) {
        Path p = loadedLibrary(name).orElseThrow(() -> new IllegalStateException(
                "cannot reach the engine's " + name + " (is the PyTorch engine loaded, on"
                        + " Linux?)"));
        return NativeLibrary.getInstance(p.toString());
    }
}
