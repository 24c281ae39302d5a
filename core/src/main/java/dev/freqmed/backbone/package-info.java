/**
 * Shared encoders: the networks that turn an image into feature maps at several strides, with the
 * taps that decoders use as skip connections. Layer names follow the reference implementations so
 * pretrained weights load by name.
 */
package dev.freqmed.backbone;
