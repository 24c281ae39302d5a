/**
 * Diffusion-FFPE: unpaired stain translation (frozen section to FFPE) with a one-step diffusion
 * generator (SD-Turbo UNet and VAE with LoRA, a VAE encoder fusing a global and a 4×4 local view,
 * encoder-to-decoder skips) trained CycleGAN-style against vision-aided discriminators on a frozen
 * ViT. The network, its config presets, its task adapter and its generator/discriminator step.
 */
package dev.freqmed.model.diffusionffpe;
