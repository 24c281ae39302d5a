/**
 * The engine's kernels are checked, not trusted: a known-answer self-test of convolution forward,
 * backward-data and backward-weights runs once per CPU and engine version in a child process, and
 * every convolution FreqMed runs is routed to a path that passed it ({@link
 * dev.freqmed.engine.Convolutions}). {@code freqmed doctor} shows what was found and chosen.
 */
package dev.freqmed.engine;
