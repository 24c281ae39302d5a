/**
 * The training loop shared by every system: batching with parallel decoding, optimisers whose
 * state can be checkpointed, learning-rate schedules, validation, best-checkpoint selection, early
 * stopping, exact resume, CSV logs and training curves.
 */
package dev.freqmed.train;
