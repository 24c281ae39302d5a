package dev.freqmed.io.weights;

import ai.djl.nn.Block;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.LoadReport;
import dev.freqmed.io.StateDicts;
import java.io.IOException;
import java.util.Map;

/**
 * Loads a released weight file into a FreqMed network: the network's {@link WeightNameTable} if it
 * has one, otherwise the generic mapping (PyTorch and safetensors files by their state-dict keys,
 * nested checkpoints unwrapped and {@code module.}/{@code model.} prefixes stripped; Keras files
 * through {@link KerasLayouts#toTorch}).
 *
 * <pre>{@code
 * Block net = entry.buildNetwork(config); net.initialize(manager, FLOAT32, inputShape);
 * LoadReport r = WeightImporter.load(net, WeightFiles.read(file), LoadOptions.strictDefaults());
 * }</pre>
 */
public final class WeightImporter {

    private WeightImporter() {
    }

    /** The tensors of {@code source} under the keys {@code network} expects. */
    public static Map<String, HostTensor> networkTensors(Block network, Checkpoint source)
            throws IOException {
        if (network instanceof WeightNameTable t) {
            return t.toNetworkKeys(source);
        }
        if (source.format().equals("keras-h5")) {
            return KerasLayouts.toTorch(source);
        }
        return source.stateDict();
    }

    /**
     * Fills an initialized network from {@code source}.
     *
     * @return the load report
     * @throws IllegalArgumentException when a strict load does not match; the message names the
     *     file and holds the table of missing, unexpected and mismatched keys
     * @throws IOException when the network's name table rejects the file
     */
    public static LoadReport load(Block network, Checkpoint source, LoadOptions options)
            throws IOException {
        Map<String, HostTensor> tensors = networkTensors(network, source);
        try {
            return StateDicts.load(network, tensors, options);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source.source() + ": " + e.getMessage(), e);
        }
    }
}
