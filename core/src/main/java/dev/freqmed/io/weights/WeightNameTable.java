package dev.freqmed.io.weights;

import dev.freqmed.io.HostTensor;
import java.io.IOException;
import java.util.Map;

/**
 * A network's own mapping from released weight files to its parameter keys and layouts (for
 * example FRCU-Net's table from Keras layer names). A network block that implements this is used
 * by {@link WeightImporter} instead of the generic mapping.
 */
public interface WeightNameTable {

    /**
     * Converts the tensors of {@code source} to this network's PyTorch-style keys and layouts.
     *
     * @throws IOException when the source does not hold what the table expects (naming the key)
     */
    Map<String, HostTensor> toNetworkKeys(Checkpoint source) throws IOException;
}
