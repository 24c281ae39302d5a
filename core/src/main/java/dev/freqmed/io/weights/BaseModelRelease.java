package dev.freqmed.io.weights;

import dev.freqmed.io.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A network whose released weights come in two parts: a public base model the user supplies as a
 * folder (for example a diffusers folder of safetensors) and a file of the parts the authors
 * trained on top of it (adapters, new layers). {@code import-weights --base DIR} uses this instead
 * of the one-file mapping of {@link WeightImporter}.
 */
public interface BaseModelRelease {

    /** What {@code --base} must be, for help and messages (e.g. "an SD-Turbo diffusers folder"). */
    String baseDescription();

    /**
     * Globs over network keys that no release holds (parts used only in training, say); an
     * import leaves them at their initial values and records them in the manifest.
     */
    List<String> notReleased();

    /**
     * The tensors of the base folder and of the trained file under this network's keys, the
     * trained file's values replacing the base's where both have one.
     *
     * @param base    the base-model folder
     * @param trained the file of trained parts, already read (nothing executed)
     * @throws IOException when the base folder or the trained file is not what the network
     *     needs; the message names the file and lists the missing, mis-shaped and unknown keys
     */
    Map<String, HostTensor> toNetworkKeys(Path base, Checkpoint trained) throws IOException;
}
