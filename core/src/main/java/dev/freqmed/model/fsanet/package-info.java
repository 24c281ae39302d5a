/**
 * FSANet (Jiang et al., TNNLS 2025): high-precision dichotomous segmentation that fuses a PVT-v2
 * image encoder with a ResNet-50 encoding of the FFT high-pass magnitude map, then fuses scales
 * collaboratively. Holds the network, its config, loss, optimiser, task adapter and the mapping
 * of the official checkpoint's keys.
 */
package dev.freqmed.model.fsanet;
