/**
 * FPNuNet: nucleus instance segmentation and classification with SAM-style and UNI-style ViT
 * encoders carrying frequency prompt adapters, a DCT fusion neck and NP / HV / NC decoders,
 * trained with HoVer-Net-style targets and post-processed by marker-controlled watershed.
 */
package dev.freqmed.model.fpnunet;
