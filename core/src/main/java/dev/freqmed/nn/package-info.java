/**
 * Generic network blocks shared by the FreqMed systems: convolutions with TensorFlow-"same"
 * padding, separable convolutions with batch normalisation, group and channels-first layer
 * normalisation, Keras-compatible initialisers and batch-norm factories. Child blocks and
 * parameters are named after the reference layers so weights import by lookup.
 */
package dev.freqmed.nn;
