/**
 * Shared encoders (PVT-v2, ResNet) whose child blocks are named after the segments of the
 * reference PyTorch state-dict keys, so that walking the block tree gives keys such as
 * {@code patch_embed1.proj.weight} or {@code layer1.0.conv1.weight}.
 */
package dev.freqmed.backbone;
