/**
 * Benchmarks: JMH micro-benchmarks and end-to-end throughput runs that print JSON. They are run
 * by hand, never by the test suite.
 */
package dev.freqmed.bench;
