package dev.freqmed.model.frcunet;

import dev.freqmed.io.HostTensor;
import dev.freqmed.io.WeightFormatException;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.KerasLayouts;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a released FRCU-Net weight file into {@link FrcuNet} parameter keys: a Keras HDF5 file
 * through {@link FrcuNetKerasNames} (explicit names exactly, auto-names by class and number, every
 * shape checked) and the layout conversions of spec §6.1; PyTorch and safetensors files (for
 * example a FreqMed export) by their state-dict keys.
 */
final class FrcuNetWeightImport {

    private FrcuNetWeightImport() {
    }

    /**
     * The tensors of {@code source} under FreqMed keys.
     *
     * @throws WeightFormatException naming the file when a Keras file does not match the table
     *     (missing, unexpected or mis-shaped weights)
     */
    static Map<String, HostTensor> toNetworkKeys(FrcuNetConfig config, Checkpoint source)
            throws IOException {
        if (!source.format().equals("keras-h5")) {
            return source.stateDict();
        }
        Map<String, HostTensor> file = source.stateDict();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        file.forEach((k, v) -> shapes.put(k, v.shape()));
        Map<FrcuNetKerasNames.Weight, String> matched;
        try {
            matched = FrcuNetKerasNames.resolve(FrcuNetKerasNames.table(config), shapes);
        } catch (IllegalArgumentException e) {
            throw new WeightFormatException(source.source(), e.getMessage(), e);
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<FrcuNetKerasNames.Weight, String> e : matched.entrySet()) {
            HostTensor k = file.get(e.getValue());
            HostTensor t = switch (e.getKey().layout()) {
                case VECTOR -> k;
                case CONV2D -> KerasLayouts.conv2d(k);
                case DEPTHWISE -> KerasLayouts.depthwise(k);
                case DENSE -> KerasLayouts.dense(k);
                case CONV3D_AS_CONV2D -> KerasLayouts.conv3dAsConv2d(k);
            };
            out.put(e.getKey().key(), t);
        }
        return out;
    }
}
