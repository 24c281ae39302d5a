/**
 * Frequency-domain blocks that several systems draw on: the non-decimated difference-of-Gaussians
 * band stack and band-wise re-calibration of FRCU-Net, and FSANet's ideal circular high-pass
 * magnitude filter. Each block is tested once here against known values.
 */
package dev.freqmed.nn.freq;
