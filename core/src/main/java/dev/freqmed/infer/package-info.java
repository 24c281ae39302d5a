/**
 * Inference: loading a checkpoint folder into a ready network, predicting images of any size
 * (optionally in overlapping tiles blended on the CPU), and drawing overlays of masks on images.
 */
package dev.freqmed.infer;
