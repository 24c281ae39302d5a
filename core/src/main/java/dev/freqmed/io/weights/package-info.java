/**
 * Readers for released weight files: PyTorch zip and legacy {@code .pth}/{@code .ckpt} (through
 * the restricted unpickler), safetensors and Keras 2 HDF5, unified as a {@link
 * dev.freqmed.io.weights.Checkpoint} tree, plus the Keras kernel-layout conversions.
 */
package dev.freqmed.io.weights;
