package dev.freqmed.backbone;

import java.util.List;

/**
 * Sizes of a plain ViT encoder with an EVP prompt adapter, shared by the SAM-style
 * ({@link SamImageEncoder}) and the UNI / DINOv2-style ({@link UniEncoder}) encoders of FPNuNet
 * (spec §3), so that the paper scale (SAM ViT-B, UNI ViT-L) and reduced CPU scales share code.
 *
 * @param embedDim      token width {@code D} (768 SAM ViT-B, 1024 UNI ViT-L)
 * @param depth         transformer blocks (12, 24)
 * @param heads         attention heads (12, 16)
 * @param mlpDim        MLP hidden width (3072, 4096)
 * @param patchSize     side of the (new, random, frozen) patch embedding (8)
 * @param gridSize      token grid side the absolute / global relative positions are sized for
 *                      (16 for 128 px inputs)
 * @param windowSize    window attention side for SAM's windowed blocks (14); 0 = all global
 * @param globalBlocks  blocks with global attention in a windowed encoder (2, 5, 8, 11)
 * @param promptEvery   a prompt is added before every {@code promptEvery}-th block (SAM 1, UNI 2)
 * @param hookBlocks    blocks whose outputs are kept as skip features (UNI 3, 12, 21; SAM none)
 * @param adapterRatio  adapter scale factor {@code r}: the prompt width is {@code D / r} (32)
 * @param queryChunk    queries per attention chunk (0 = no chunking)
 */
public record VitEncoderConfig(
        int embedDim,
        int depth,
        int heads,
        int mlpDim,
        int patchSize,
        int gridSize,
        int windowSize,
        List<Integer> globalBlocks,
        int promptEvery,
        List<Integer> hookBlocks,
        int adapterRatio,
        int queryChunk) {

    /** Validates every field, naming the offending one. */
    public VitEncoderConfig {
        globalBlocks = List.copyOf(globalBlocks);
        hookBlocks = List.copyOf(hookBlocks);
        if (embedDim < 1 || heads < 1 || embedDim % heads != 0) {
            throw new IllegalArgumentException("embedDim must be a positive multiple of heads,"
                    + " found embedDim=" + embedDim + " heads=" + heads);
        }
        if (depth < 1 || mlpDim < 1 || patchSize < 1 || gridSize < 1) {
            throw new IllegalArgumentException("depth, mlpDim, patchSize and gridSize must be"
                    + " positive, found " + depth + ", " + mlpDim + ", " + patchSize + ", "
                    + gridSize);
        }
        if (windowSize < 0 || queryChunk < 0) {
            throw new IllegalArgumentException("windowSize and queryChunk must be >= 0, found "
                    + windowSize + ", " + queryChunk);
        }
        if (promptEvery < 1) {
            throw new IllegalArgumentException("promptEvery must be >= 1, found " + promptEvery);
        }
        if (adapterRatio < 1 || embedDim % adapterRatio != 0) {
            throw new IllegalArgumentException("adapterRatio must divide embedDim=" + embedDim
                    + ", found " + adapterRatio);
        }
        for (int b : globalBlocks) {
            if (b < 0 || b >= depth) {
                throw new IllegalArgumentException("globalBlocks entry " + b + " outside 0.."
                        + (depth - 1));
            }
        }
        for (int b : hookBlocks) {
            if (b < 0 || b >= depth) {
                throw new IllegalArgumentException("hookBlocks entry " + b + " outside 0.."
                        + (depth - 1));
            }
        }
    }

    /** Number of prompt sets: one per {@code promptEvery} blocks. */
    public int promptCount() {
        return (depth + promptEvery - 1) / promptEvery;
    }

    /** The prompt width {@code D / r}. */
    public int promptDim() {
        return embedDim / adapterRatio;
    }
}
