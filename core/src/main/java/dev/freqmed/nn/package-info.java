/**
 * Generic network blocks shared by the FreqMed systems: convolutions with TensorFlow-"same"
 * padding, separable convolutions with batch normalisation, Keras-compatible initialisers and
 * batch-norm factories. Child blocks are named after the reference layers so weights import by
 * lookup.
 */
package dev.freqmed.nn;
