package dev.freqmed.spark;

import ai.djl.Device;
import dev.freqmed.cli.EngineSetup;
import dev.freqmed.engine.ConvRouter;
import dev.freqmed.infer.LoadedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The models of one JVM (a Spark executor, or the driver in {@code local[*]}): each checkpoint is
 * loaded once and shared by the tasks running in that JVM, and the engine's convolution routing
 * (the self-test, cached per machine) is decided once before the first model.
 */
final class ExecutorModels {

    private static final Map<String, LoadedModel> MODELS = new HashMap<>();
    private static int loads;

    private ExecutorModels() {
    }

    /** The model of this checkpoint folder and input side, loaded on first use in this JVM. */
    static synchronized LoadedModel get(String model, int size) throws IOException {
        String key = Path.of(model).toAbsolutePath().normalize() + "#" + size;
        LoadedModel m = MODELS.get(key);
        if (m == null) {
            EngineSetup.quiet();
            ConvRouter.routing();
            m = LoadedModel.load(Path.of(model), Device.cpu(), null);
            if (size != 0) {
                m.setInferenceSize(size);
            }
            MODELS.put(key, m);
            loads++;
        }
        return m;
    }

    /** How many checkpoints this JVM has loaded so far. */
    static synchronized int loads() {
        return loads;
    }

    /** Closes every model of this JVM (tests; executors exit instead). */
    static synchronized void closeAll() {
        MODELS.values().forEach(LoadedModel::close);
        MODELS.clear();
    }
}
