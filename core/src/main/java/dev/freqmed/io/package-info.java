/**
 * Input and output of images, weights and checkpoints. Readers parse files without executing
 * anything; writers go through a temporary file and an atomic rename so that an interrupted write
 * never destroys the previous file.
 */
package dev.freqmed.io;
