/**
 * Frequency-domain blocks shared by the FreqMed networks: Fourier filters, band decompositions
 * and spectral gating. Each block is device-agnostic and tested once against hand-computed cases.
 */
package dev.freqmed.nn.freq;
