/**
 * The Stable Diffusion building blocks Diffusion-FFPE is made of: the {@code AutoencoderKL} VAE,
 * the text-conditioned {@code UNet2DConditionModel} and the one-step DDPM arithmetic. Child blocks
 * are named after diffusers' modules, so walking a block tree gives diffusers' state-dict keys, and
 * every size comes from a config record, so the SD-Turbo shape and a tiny test shape share code.
 */
package dev.freqmed.backbone.diffusion;
