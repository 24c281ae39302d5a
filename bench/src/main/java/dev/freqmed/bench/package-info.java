/**
 * Benchmarks: end-to-end throughput runs that print JSON, and JMH micro-benchmarks. They live
 * outside the test suite and are run by hand on the machine whose figures are reported.
 */
package dev.freqmed.bench;
