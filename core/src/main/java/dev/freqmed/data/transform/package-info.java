/**
 * Sample transforms: resizing, normalisation and augmentation. A transform is a function of a
 * sample and a {@link java.util.Random}; geometric transforms move every spatial array together,
 * intensity transforms touch only the image.
 */
package dev.freqmed.data.transform;
