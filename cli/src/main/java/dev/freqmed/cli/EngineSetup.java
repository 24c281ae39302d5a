package dev.freqmed.cli;

import ai.djl.engine.Engine;
import dev.freqmed.engine.ConvRouter;
import dev.freqmed.engine.ConvRouting;
import dev.freqmed.engine.CpuInfo;
import dev.freqmed.engine.EngineSelfTest;
import dev.freqmed.engine.FusedAttention;
import dev.freqmed.engine.NativeGroupNorm;
import dev.freqmed.engine.HostMemory;
import dev.freqmed.engine.NativeEngine;
import java.io.PrintWriter;

/**
 * Starts the engine for a command: hides libtorch's own warnings (unless {@code FREQMED_DEBUG}
 * is set), decides the convolution routing (running the self-test the first time on a machine)
 * and says once, on standard error, which engine and paths this run uses.
 */
public final class EngineSetup {

    private EngineSetup() {
    }

    /** Loads the engine and hides libtorch's own warnings unless {@code FREQMED_DEBUG} is set. */
    public static void quiet() {
        Engine.getEngine("PyTorch");
        if (System.getenv("FREQMED_DEBUG") == null) {
            NativeEngine.setLogLevel(NativeEngine.LOG_ERROR);
        }
    }

    /**
     * Prepares the engine and prints one line about it.
     *
     * @param err where the line goes
     * @return the routing in force
     */
    public static ConvRouting start(PrintWriter err) {
        quiet();
        if ("auto".equals(ConvRouter.configuredMode()) && EngineSelfTest.cached().isEmpty()) {
            err.println("engine: checking the convolution, attention and group-norm kernels on this CPU"
                    + " (once per machine and engine version) ...");
            err.flush();
        }
        ConvRouting r = ConvRouter.routing();
        err.println("engine: " + EngineSelfTest.engineDescription() + " on "
                + CpuInfo.read().modelName() + "; convolutions: " + r.summary()
                + (r.allEngine() && !r.nativeOnly() ? "" : " [" + r.reason() + "]")
                + "; attention: " + (FusedAttention.enabled() ? "fused kernel" : "explicit")
                + "; group norm: " + (NativeGroupNorm.enabled() ? "native kernel" : "explicit")
                + "; host memory: " + HostMemory.summary());
        err.flush();
        return r;
    }
}
