/**
 * Engine helpers that the PyTorch engine of DJL lacks or that differ from PyTorch: torch-exact
 * resizing, 2-D (real) FFTs with torch's norms and shifts, seeded initialisers, padding and
 * device selection. Every helper is tested against values computed once with PyTorch.
 */
package dev.freqmed.tensor;
