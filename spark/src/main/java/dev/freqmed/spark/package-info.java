/**
 * Batch inference on Apache Spark: {@link dev.freqmed.spark.BatchInference} (Java API, a table
 * of paths in, a table of results out) and {@code freqmed batch}.
 */
package dev.freqmed.spark;
