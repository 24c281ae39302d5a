package dev.freqmed.model.diffusionffpe;

import java.util.List;

/**
 * The LoRA target modules of Diffusion-FFPE (spec §2.3; reference {@code model.py}
 * {@code initialize_unet}, {@code initialize_vae}): PEFT matches a module whose name equals a
 * target or ends with {@code "." + target}.
 */
final class LoraTargets {

    /** UNet targets; the time embedding and every {@code time_emb_proj} are not among them. */
    static final List<String> UNET = List.of("to_k", "to_q", "to_v", "to_out.0", "conv", "conv1",
            "conv2", "conv_in", "conv_shortcut", "conv_out", "proj_out", "proj_in", "ff.net.2",
            "ff.net.0.proj");

    /** VAE targets, the skip convolutions included; not the quant convs nor the norms. */
    static final List<String> VAE = List.of("conv1", "conv2", "conv_in", "conv_shortcut", "conv",
            "conv_out", "skip_conv_1", "skip_conv_2", "skip_conv_3", "skip_conv_4", "to_k",
            "to_q", "to_v", "to_out.0");

    private LoraTargets() {
    }
}
