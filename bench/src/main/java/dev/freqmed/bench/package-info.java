/**
 * JMH micro-benchmarks and end-to-end throughput runs of FreqMed blocks and networks. Nothing here
 * runs as part of the test suite.
 */
package dev.freqmed.bench;
