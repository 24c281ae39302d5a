/**
 * The registry of FreqMed systems and the contract between a network and the trainer. Each system
 * lives in its own sub-package with its network, its config record and its {@link
 * dev.freqmed.model.TaskAdapter}; adding one touches that package plus one line in {@link
 * dev.freqmed.model.ModelRegistry}.
 */
package dev.freqmed.model;
