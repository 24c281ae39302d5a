/**
 * Data readers and transforms. A reader ({@link dev.freqmed.data.SampleSource}) only reads files
 * into {@link dev.freqmed.data.Sample}s of host arrays; transforms, splits and batching live
 * elsewhere, so readers stay simple and testable.
 */
package dev.freqmed.data;
