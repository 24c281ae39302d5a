/**
 * Stain colour deconvolution: Ruifrok–Johnston optical densities of haematoxylin, eosin and DAB
 * from RGB, for the colour-fusion stem and for IHC quantification.
 */
package dev.freqmed.data.stain;
