/**
 * Frequency-domain blocks that several systems draw on, such as the non-decimated
 * difference-of-Gaussians band stack and the band-wise channel re-calibration of FRCU-Net. Each
 * block is tested once here against known values.
 */
package dev.freqmed.nn.freq;
