package dev.freqmed.metric;

import dev.freqmed.io.GrayImage;
import dev.freqmed.metric.image.PairwiseSum;
import java.util.ArrayList;
import java.util.List;

/**
 * Base of the PySODMetrics-compatible measures: each image gives a value (and possibly curves);
 * the dataset value is the arithmetic mean over images and curves are averaged element-wise.
 */
abstract class SaliencyMetric implements Metric<GrayImage, GrayImage> {

    /** {@code np.spacing(1)}, the epsilon of PySODMetrics. */
    static final double EPS = Math.ulp(1.0);

    private final List<double[]> values = new ArrayList<>();

    @Override
    public final void update(GrayImage prediction, GrayImage truth) {
        values.add(measure(SaliencyPair.of(prediction, truth)));
    }

    /** Adds an already converted pair. */
    public final void update(SaliencyPair pair) {
        values.add(measure(pair));
    }

    /** The per-image values of one pair (the layout is the subclass's). */
    abstract double[] measure(SaliencyPair pair);

    @Override
    public final void reset() {
        values.clear();
    }

    /** Mean over images of entry {@code index} (numpy order); NaN when there is no image. */
    final double meanOf(int index) {
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i)[index];
        }
        return v.length == 0 ? Double.NaN : PairwiseSum.mean(v);
    }

    /** Element-wise mean over images of entries {@code from .. from+len-1}. */
    final double[] meanCurve(int from, int len) {
        return meanRows(values, from, len);
    }

    /** Element-wise mean, summing images in order as numpy does along axis 0. */
    static double[] meanRows(List<double[]> rows, int from, int len) {
        double[] out = new double[len];
        for (double[] r : rows) {
            for (int i = 0; i < len; i++) {
                out[i] += r[from + i];
            }
        }
        for (int i = 0; i < len; i++) {
            out[i] /= rows.size();
        }
        return out;
    }

    /** Mean of a curve (numpy order). */
    static double curveMean(double[] c) {
        return PairwiseSum.mean(c);
    }

    /** Maximum of a curve (NaN if any entry is NaN, as numpy). */
    static double curveMax(double[] c) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : c) {
            if (Double.isNaN(v)) {
                return Double.NaN;
            }
            m = Math.max(m, v);
        }
        return m;
    }

    /** Adaptive threshold {@code min(2 * mean(pred), 1)}. */
    static double adaptiveThreshold(SaliencyPair pair) {
        return Math.min(2 * PairwiseSum.mean(pair.pred()), 1.0);
    }

    /** Histograms of the quantised map over the mask foreground ([0]) and background ([1]). */
    static int[][] histograms(SaliencyPair pair) {
        return pair.quantisedHistograms();
    }

    /** Cumulative counts from the top: entry {@code i} counts values {@code >= 255 - i}. */
    static long[] cumulativeFromTop(int[] hist) {
        long[] c = new long[256];
        long acc = 0;
        for (int i = 0; i < 256; i++) {
            acc += hist[255 - i];
            c[i] = acc;
        }
        return c;
    }
}
