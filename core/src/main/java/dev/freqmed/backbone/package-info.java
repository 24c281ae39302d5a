/**
 * Shared encoders (Xception-65, PVT-v2, ResNet): the networks that turn an image into feature
 * maps at several strides. Child blocks are named after the reference implementations, so that
 * walking the block tree gives the reference weight keys and pretrained weights load by name.
 */
package dev.freqmed.backbone;
