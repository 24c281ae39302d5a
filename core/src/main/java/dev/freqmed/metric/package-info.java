/**
 * Evaluation metrics of the five FreqMed systems, each reproducing the numbers of the reference
 * implementation its papers are compared by (PySODMetrics, HoVer-Net, clean-fid, FRCU-Net and
 * FAF-Net). Every metric states its reduction, its rule for empty masks and the reference it
 * matches; {@link dev.freqmed.metric.MetricRegistry} lists them by task family.
 */
package dev.freqmed.metric;
