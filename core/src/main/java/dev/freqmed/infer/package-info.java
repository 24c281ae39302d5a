/**
 * Inference: loading a checkpoint folder into a ready network, predicting images of any size
 * (optionally in overlapping tiles blended on the CPU), drawing overlays of masks on images, and
 * scoring a trained model on held-out data with the report that names the data it used.
 */
package dev.freqmed.infer;
