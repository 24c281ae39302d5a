package dev.freqmed.config;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A model config that names files of its own besides {@code model.init} (for example the
 * LPIPS-VGG weights of Diffusion-FFPE's losses). The training-config reader resolves them as it
 * resolves the data root (against the working folder, else against the config file's folder) and
 * refuses a config whose files do not exist, before anything runs.
 *
 * @param <T> the config record
 */
public interface FileSettings<T extends Record> {

    /** The files this config names, as given. */
    List<String> files();

    /** The same config with every named file passed through {@code resolve}. */
    T withFiles(UnaryOperator<String> resolve);
}
