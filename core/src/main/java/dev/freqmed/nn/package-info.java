/**
 * Generic network blocks shared by the FreqMed models, such as normalisation layers the engine
 * lacks. Parameters carry the names of the matching PyTorch modules so that reference weights
 * import by lookup.
 */
package dev.freqmed.nn;
