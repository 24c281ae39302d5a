/**
 * FRCU-Net (Azad et al., ICCV Workshops 2021): an Xception-65 U-Net whose bottleneck is
 * re-calibrated band by band in a difference-of-Gaussians decomposition. The package holds the
 * network, its config, its loss, the Keras weight-name table and the trainer adapter.
 */
package dev.freqmed.model.frcunet;
