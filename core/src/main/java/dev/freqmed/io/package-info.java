/**
 * Input and output of images, weights and checkpoints. Readers parse files without executing
 * anything; writers go through a temporary file and an atomic rename so that an interrupted write
 * never destroys the previous file. Weights travel as {@link dev.freqmed.io.HostTensor}s:
 * {@link dev.freqmed.io.Safetensors}, {@link dev.freqmed.io.StateDicts} (PyTorch-style keys of DJL
 * networks) and {@link dev.freqmed.io.ModelCheckpoint} (FreqMed's checkpoint folder) live here, the
 * readers of released formats in {@code io.weights}.
 */
package dev.freqmed.io;
