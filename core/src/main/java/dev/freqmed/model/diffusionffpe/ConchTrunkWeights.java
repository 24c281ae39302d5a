package dev.freqmed.model.diffusionffpe;

import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.tensor.Resize;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CONCH's vision trunk as the frozen trunk of the vision-aided discriminator (spec §4, §9): the
 * {@code visual.trunk.*} tensors of MahmoodLab/CONCH's {@code pytorch_model.bin} (a timm
 * ViT-B/16 built for 448² images) move to {@code cv_trunk.*}; the rest of the file (attention
 * poolers, projections, the text tower) is not used and is left out.
 *
 * <p>The reference builds the trunk with {@code dynamic_img_size=True} and feeds it 224²
 * images, so timm resamples the 28 × 28 position table to 14 × 14 on every forward
 * ({@code resample_abs_pos_embed}: the class-token row kept, the grid resized with torch's
 * antialiased bicubic). The trunk is frozen, so the table is resampled once here, with
 * {@link Resize#antialiasedBicubicWeights}, to the network's grid; a table already of that size
 * is kept as it is.
 */
final class ConchTrunkWeights {

    /** Where CONCH keeps the trunk. */
    static final String PREFIX = "visual.trunk.";
    /** Where the network keeps it. */
    static final String TARGET = "cv_trunk.";

    private ConchTrunkWeights() {
    }

    /** Whether a state dict holds CONCH's trunk. */
    static boolean holdsTrunk(Map<String, HostTensor> stateDict) {
        return stateDict.keySet().stream().anyMatch(k -> k.startsWith(PREFIX));
    }

    /**
     * The trunk's tensors under the network's keys, the position table on a {@code grid × grid}
     * token grid.
     *
     * @throws IOException naming the file when the position table is not (1, 1 + g², D)
     */
    static Map<String, HostTensor> toNetworkKeys(Map<String, HostTensor> stateDict, int grid,
            Path source) throws IOException {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : stateDict.entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                continue;
            }
            String key = e.getKey().substring(PREFIX.length());
            HostTensor t = e.getValue();
            if (key.equals("pos_embed")) {
                t = resample(t, grid, source);
            }
            out.put(TARGET + key, t);
        }
        return out;
    }

    private static HostTensor resample(HostTensor table, int grid, Path source)
            throws IOException {
        long[] s = table.shape();
        int from = s.length == 3 && s[0] == 1 ? (int) Math.round(Math.sqrt(s[1] - 1)) : -1;
        if (from < 1 || (long) from * from + 1 != s[1]) {
            throw new IOException(source + ": " + PREFIX + "pos_embed has shape "
                    + java.util.Arrays.toString(s) + ", expected (1, 1 + g*g, D): a class-token"
                    + " row and a square grid");
        }
        if (from == grid) {
            return table;
        }
        int d = (int) s[2];
        float[] v = table.toFloatArray();
        float[] w = Resize.antialiasedBicubicWeights(from, grid);
        float[] resized = Resize.resizeChannelLast(java.util.Arrays.copyOfRange(v, d, v.length),
                from, from, d, w, w);
        float[] r = new float[d + resized.length];
        System.arraycopy(v, 0, r, 0, d);
        System.arraycopy(resized, 0, r, d, resized.length);
        return HostTensor.of(DType.FLOAT32, new long[] {1, 1L + (long) grid * grid, d}, r);
    }
}
