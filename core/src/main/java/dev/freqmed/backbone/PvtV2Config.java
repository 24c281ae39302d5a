package dev.freqmed.backbone;

import java.util.List;

/**
 * Configuration of a PVT-v2 encoder (Wang et al., "PVT v2", CVMJ 2022): four stages of
 * overlapping patch embedding followed by spatial-reduction-attention transformer blocks.
 *
 * @param embedDims    channel width of each stage
 * @param numHeads     attention heads of each stage
 * @param depths       transformer blocks per stage
 * @param mlpRatios    MLP hidden width over stage width
 * @param srRatios     spatial-reduction ratio of keys and values per stage (1 = none)
 * @param dropPathRate largest stochastic-depth rate, reached at the last block
 */
public record PvtV2Config(
        List<Integer> embedDims,
        List<Integer> numHeads,
        List<Integer> depths,
        List<Integer> mlpRatios,
        List<Integer> srRatios,
        double dropPathRate) {

    /** Validates: four stages, widths divisible by the head counts, rate in [0, 1). */
    public PvtV2Config {
        embedDims = List.copyOf(embedDims);
        numHeads = List.copyOf(numHeads);
        depths = List.copyOf(depths);
        mlpRatios = List.copyOf(mlpRatios);
        srRatios = List.copyOf(srRatios);
        for (List<Integer> l : List.of(embedDims, numHeads, depths, mlpRatios, srRatios)) {
            if (l.size() != 4) {
                throw new IllegalArgumentException("PVT-v2 needs 4 stage values, found " + l);
            }
            for (int v : l) {
                if (v <= 0) {
                    throw new IllegalArgumentException("PVT-v2 stage values must be > 0: " + l);
                }
            }
        }
        for (int i = 0; i < 4; i++) {
            if (embedDims.get(i) % numHeads.get(i) != 0) {
                throw new IllegalArgumentException("embedDims[" + i + "] = " + embedDims.get(i)
                        + " is not divisible by numHeads[" + i + "] = " + numHeads.get(i));
            }
        }
        if (dropPathRate < 0 || dropPathRate >= 1) {
            throw new IllegalArgumentException("dropPathRate must be in [0, 1), found "
                    + dropPathRate);
        }
    }

    /** PVT-v2-b2: widths 64/128/320/512, heads 1/2/5/8, depths 3/4/6/3, drop path 0.1. */
    public static PvtV2Config b2() {
        return new PvtV2Config(List.of(64, 128, 320, 512), List.of(1, 2, 5, 8),
                List.of(3, 4, 6, 3), List.of(8, 8, 4, 4), List.of(8, 4, 2, 1), 0.1);
    }

    /**
     * The same layout with every width divided by {@code divisor} (head counts kept, so the head
     * dimension shrinks) and the given depths.
     */
    public PvtV2Config scaled(int divisor, List<Integer> newDepths) {
        return new PvtV2Config(embedDims.stream().map(d -> d / divisor).toList(), numHeads,
                newDepths, mlpRatios, srRatios, dropPathRate);
    }
}
