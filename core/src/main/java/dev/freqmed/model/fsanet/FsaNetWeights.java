package dev.freqmed.model.fsanet;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Key handling of the official FSANet checkpoint (spec §6.1): {@code torch.save({'opech': int,
 * 'model': state_dict, 'optimizer': ..., 'loss': tensor})} from a {@code DataParallel} model, so
 * the weights sit under {@code model} with one or more leading {@code module.} segments. A plain
 * state dict (with or without {@code module.}) is accepted as well.
 */
public final class FsaNetWeights {

    private static final String MODULE = "module.";

    private FsaNetWeights() {
    }

    /**
     * Strips every leading {@code module.} segment of a key.
     *
     * @param key a state-dict key, e.g. {@code module.module.backbone.norm1.weight}
     * @return the key without them, e.g. {@code backbone.norm1.weight}
     */
    public static String stripModule(String key) {
        String k = key;
        while (k.startsWith(MODULE) && k.length() > MODULE.length()) {
            k = k.substring(MODULE.length());
        }
        return k;
    }

    /**
     * Selects the network weights from the flattened tensors of a checkpoint file (dotted paths
     * of the whole tree): the entries under {@code model.} (or {@code state_dict.}) when there are
     * any, else every entry; then {@link #stripModule} on each key. The optimiser state, the loss
     * and the epoch are left out.
     *
     * @param tensors flattened file contents by dotted path
     * @param <T>     the tensor type
     * @return the weights by network key, in file order
     * @throws IOException when two file keys map to the same network key
     */
    public static <T> Map<String, T> networkKeys(Map<String, T> tensors) throws IOException {
        String wrapper = null;
        for (String w : new String[] {"model.", "state_dict."}) {
            if (tensors.keySet().stream().anyMatch(k -> k.startsWith(w))) {
                wrapper = w;
                break;
            }
        }
        Map<String, T> out = new LinkedHashMap<>();
        for (Map.Entry<String, T> e : tensors.entrySet()) {
            String k = e.getKey();
            if (wrapper != null) {
                if (!k.startsWith(wrapper)) {
                    continue;
                }
                k = k.substring(wrapper.length());
            }
            String key = stripModule(k);
            if (out.put(key, e.getValue()) != null) {
                throw new IOException("two entries of the checkpoint map to the FSANet key '" + key
                        + "' (one of them is '" + e.getKey() + "')");
            }
        }
        return out;
    }
}
