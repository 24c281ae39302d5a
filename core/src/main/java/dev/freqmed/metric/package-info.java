/**
 * Evaluation metrics of the five FreqMed systems, each reproducing the numbers of the reference
 * implementation its papers are compared by (PySODMetrics, HoVer-Net, clean-fid, FRCU-Net and
 * FAF-Net). Every metric states its reduction, its rule for empty masks and the reference it
 * matches; {@link dev.freqmed.metric.MetricRegistry} lists them by task family, holds the
 * {@link dev.freqmed.metric.EvaluationFamily} that reads and scores folders of each family, and
 * says for every metric key whether it is minimised or maximised.
 */
package dev.freqmed.metric;
