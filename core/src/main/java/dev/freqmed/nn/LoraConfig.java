package dev.freqmed.nn;

/**
 * Settings of a LoRA adapter, as PEFT's {@code LoraConfig}: rank {@code r}, {@code alpha}
 * (scaling {@code alpha / r}), dropout on the adapter's input and how {@code lora_A} starts.
 * {@code lora_B} always starts at zero, so a fresh adapter leaves the base output unchanged.
 *
 * @param rank           rank {@code r}, positive
 * @param alpha          PEFT's {@code lora_alpha}, positive; the branch is scaled by
 *                       {@code alpha / rank}
 * @param dropout        dropout probability on the adapter input during training, in [0, 1)
 * @param initialization how {@code lora_A} is drawn
 */
public record LoraConfig(int rank, float alpha, float dropout, Initialization initialization) {

    /** How {@code lora_A} is initialised (PEFT's {@code init_lora_weights}). */
    public enum Initialization {
        /**
         * PEFT's default ({@code init_lora_weights=True}): {@code kaiming_uniform_(a=sqrt(5))},
         * i.e. {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}.
         */
        KAIMING_UNIFORM,
        /** {@code init_lora_weights="gaussian"}: {@code N(0, (1/r)^2)}. */
        GAUSSIAN
    }

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException naming the offending field
     */
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be positive, found " + rank);
        }
        if (!(alpha > 0) || Float.isInfinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be positive, found " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), found " + dropout);
        }
        if (initialization == null) {
            throw new IllegalArgumentException("LoRA initialization must not be null");
        }
    }

    /**
     * Rank and alpha with no dropout and PEFT's default initialisation.
     *
     * @param rank  rank {@code r}
     * @param alpha {@code lora_alpha}
     * @return the settings
     */
    public static LoraConfig of(int rank, float alpha) {
        return new LoraConfig(rank, alpha, 0f, Initialization.KAIMING_UNIFORM);
    }

    /**
     * The factor on the low-rank branch.
     *
     * @return {@code alpha / rank}
     */
    public float scaling() {
        return alpha / rank;
    }
}
