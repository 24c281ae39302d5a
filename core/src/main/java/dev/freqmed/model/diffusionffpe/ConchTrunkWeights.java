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
        // Along x first (rows of the grid), then along y, as torch's separable kernel does.
        float[] wide = new float[from * grid * d];
        for (int y = 0; y < from; y++) {
            for (int x = 0; x < grid; x++) {
                int o = (y * grid + x) * d;
                for (int sx = 0; sx < from; sx++) {
                    float f = w[x * from + sx];
                    if (f == 0) {
                        continue;
                    }
                    int i = d + (y * from + sx) * d;
                    for (int c = 0; c < d; c++) {
                        wide[o + c] += f * v[i + c];
                    }
                }
            }
        }
        float[] r = new float[d + grid * grid * d];
        System.arraycopy(v, 0, r, 0, d);
        for (int y = 0; y < grid; y++) {
            for (int sy = 0; sy < from; sy++) {
                float f = w[y * from + sy];
                if (f == 0) {
                    continue;
                }
                for (int x = 0; x < grid; x++) {
                    int o = d + (y * grid + x) * d;
                    int i = (sy * grid + x) * d;
                    for (int c = 0; c < d; c++) {
                        r[o + c] += f * wide[i + c];
                    }
                }
            }
        }
        return HostTensor.of(DType.FLOAT32, new long[] {1, 1L + (long) grid * grid, d}, r);
    }
}
