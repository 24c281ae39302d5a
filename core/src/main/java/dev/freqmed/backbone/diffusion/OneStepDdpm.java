package dev.freqmed.backbone.diffusion;

import ai.djl.ndarray.NDArray;
import dev.freqmed.tensor.Scalars;

/**
 * The one-step use of diffusers' {@code DDPMScheduler} that SD-Turbo / img2img-turbo /
 * Diffusion-FFPE make: 1000 training steps, {@code scaled_linear} betas from 0.00085 to 0.012,
 * ε-prediction, {@code set_timesteps(1)} with trailing spacing, so the only timestep is
 * {@code t = 999} and the previous one is −1 ({@code ᾱ_prev = 1}). The step then returns the
 * predicted clean latent {@code x̂0 = (x_t − sqrt(1 − ᾱ_t)·ε) / sqrt(ᾱ_t)}: its coefficient is
 * {@code β_t/β_t = 1} and the one of {@code x_t} is 0.
 *
 * <p>Constants are computed in float32 as torch does ({@code linspace} of the square roots, squared,
 * {@code cumprod} of {@code 1 − β}, which torch's CPU kernel accumulates in double). Reference: diffusers 0.25
 * {@code schedulers/scheduling_ddpm.py} {@code __init__}, {@code set_timesteps}, {@code step};
 * Diffusion-FFPE spec §3.3.
 */
public final class OneStepDdpm {

    /** Training timesteps. */
    public static final int TRAIN_STEPS = 1000;
    /** The single inference timestep. */
    public static final int TIMESTEP = 999;

    private static final double BETA_START = 0.00085;
    private static final double BETA_END = 0.012;

    private OneStepDdpm() {
    }

    /**
     * {@code ᾱ_t} for every training timestep, in float32: {@code betas = linspace(sqrt(0.00085),
     * sqrt(0.012), 1000)²}, {@code ᾱ = cumprod(1 − betas)}. torch's CPU {@code linspace} computes
     * {@code start + i·step} for the first half and {@code end − (n−1−i)·step} for the second.
     */
    public static float[] alphasCumprod() {
        float start = (float) Math.sqrt(BETA_START);
        float end = (float) Math.sqrt(BETA_END);
        int n = TRAIN_STEPS;
        float step = (end - start) / (n - 1);
        int halfway = n / 2;
        float[] out = new float[n];
        double prod = 1;
        for (int i = 0; i < n; i++) {
            float s = i < halfway ? start + step * i : end - step * (n - 1 - i);
            float beta = s * s;
            prod = prod * (1f - beta);
            out[i] = (float) prod;
        }
        return out;
    }

    /** {@code ᾱ_999}. */
    public static float alphaBar() {
        return alphasCumprod()[TIMESTEP];
    }

    /** {@code sqrt(ᾱ_999)} in float32. */
    public static float sqrtAlphaBar() {
        return (float) Math.sqrt(alphaBar());
    }

    /** {@code sqrt(1 − ᾱ_999)} in float32. */
    public static float sqrtOneMinusAlphaBar() {
        return (float) Math.sqrt(1f - alphaBar());
    }

    /**
     * The step: {@code (z − sqrt(1−ᾱ)·ε) / sqrt(ᾱ)}.
     * DEVIATION: diffusers adds {@code 1e−10·N(0, 1)} (the variance clamped to 1e−20); it is
     * left out, being below float32 resolution for every latent value that matters.
     *
     * @param eps the predicted noise, shape of {@code z}
     * @param z   the latent fed to the UNet as {@code x_999}
     * @return the predicted clean latent
     */
    public static NDArray step(NDArray eps, NDArray z) {
        return Scalars.div(z.sub(Scalars.mul(eps, sqrtOneMinusAlphaBar())), sqrtAlphaBar());
    }
}
