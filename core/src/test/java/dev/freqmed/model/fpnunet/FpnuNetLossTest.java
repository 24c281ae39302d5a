package dev.freqmed.model.fpnunet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The loss terms on fixed tensors against the formulas of spec §6 written out in double, with
 * the reference's quirks (double sigmoid in the binary Dice, double softmax in the type Dice,
 * focal over the foreground logits only, thresholded IoU).
 */
class FpnuNetLossTest {

    private static float[] values(int n, double a, double b) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (a * Math.sin(0.7 * i + b) + 0.3 * Math.cos(1.3 * i));
        }
        return v;
    }

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void binaryTermWithDoubleSigmoidDice() {
        int n = 2;
        int hw = 9;
        float[] z = values(n * hw, 3, 0.2);
        float[] t = new float[n * hw];
        for (int i = 0; i < t.length; i++) {
            t[i] = (i * 7) % 5 < 2 ? 1 : 0;
        }
        double bce = 0;
        double focal = 0;
        double dice = 0;
        for (int b = 0; b < n; b++) {
            double inter = 0;
            double sq = 0;
            double st = 0;
            for (int i = b * hw; i < (b + 1) * hw; i++) {
                double e = Math.log1p(Math.exp(z[i])) - z[i] * t[i];
                double p = sig(z[i]);
                double pt = t[i] == 1 ? p : 1 - p;
                bce += e;
                focal += (1 - pt) * (1 - pt) * e;
                double q = sig(p);
                inter += q * t[i];
                sq += q;
                st += t[i];
            }
            dice += 1 - (2 * inter + 1e-5) / (sq + st + 1e-5);
        }
        double want = bce / (n * hw) + dice / n + focal / (n * hw);
        try (NDManager m = NDManager.newBaseManager()) {
            float got = FpnuNetLoss.binaryComponents(m.create(z, new Shape(n, 1, 3, 3)),
                    m.create(t, new Shape(n, 1, 3, 3))).getFloat();
            assertEquals(want, got, 1e-5);
            // The double sigmoid matters: a single one gives another value.
            assertTrue(Math.abs(want - singleSigmoid(z, t, n, hw)) > 1e-3);
        }
    }

    private static double singleSigmoid(float[] z, float[] t, int n, int hw) {
        double bce = 0;
        double focal = 0;
        double dice = 0;
        for (int b = 0; b < n; b++) {
            double inter = 0;
            double sp = 0;
            double st = 0;
            for (int i = b * hw; i < (b + 1) * hw; i++) {
                double e = Math.log1p(Math.exp(z[i])) - z[i] * t[i];
                double p = sig(z[i]);
                double pt = t[i] == 1 ? p : 1 - p;
                bce += e;
                focal += (1 - pt) * (1 - pt) * e;
                inter += p * t[i];
                sp += p;
                st += t[i];
            }
            dice += 1 - (2 * inter + 1e-5) / (sp + st + 1e-5);
        }
        return bce / (n * hw) + dice / n + focal / (n * hw);
    }

    @Test
    void hvTermIsMaskedMseAndGradientError() {
        int h = 6;
        int w = 6;
        float[] pred = values(2 * h * w, 0.8, 1.1);
        float[] target = values(2 * h * w, 0.5, -0.4);
        float[] mask = new float[h * w];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = (i % 7) < 4 ? 1 : 0;
        }
        double mse = 0;
        double msge = 0;
        double msum = 0;
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int at = c * h * w + y * w + x;
                    double m = mask[y * w + x];
                    double d = m * pred[at] - m * target[at];
                    mse += d * d;
                    double gp = 0;
                    double gt = 0;
                    for (int i = -2; i <= 2; i++) {
                        for (int j = -2; j <= 2; j++) {
                            int yy = y + i;
                            int xx = x + j;
                            if (i * i + j * j == 0 || yy < 0 || yy >= h || xx < 0 || xx >= w) {
                                continue;
                            }
                            double k = (c == 0 ? i : j) / (double) (i * i + j * j);
                            gp += k * pred[c * h * w + yy * w + xx];
                            gt += k * target[c * h * w + yy * w + xx];
                        }
                    }
                    msge += m * (gp - gt) * (gp - gt);
                    msum += m;
                }
            }
        }
        double want = mse / (2 * h * w) + msge / (msum + 1e-8);
        try (NDManager m = NDManager.newBaseManager()) {
            float got = FpnuNetLoss.hvTerm(m.create(pred, new Shape(1, 2, h, w)),
                    m.create(target, new Shape(1, 2, h, w)), m.create(mask,
                            new Shape(1, 1, h, w))).getFloat();
            assertEquals(want, got, 1e-4 * want);
        }
    }

    @Test
    void typeTermWithDoubleSoftmaxDiceForegroundFocalAndIou() {
        int k = 4;
        int n = 2;
        int hw = 6;
        List<Double> weights = List.of(0.0, 1.0, 0.5, 0.25);
        float[] logits = values(n * k * hw, 2.5, 0.3);
        float[] y = new float[n * hw];
        for (int i = 0; i < y.length; i++) {
            y[i] = (i * 5) % 4;
        }
        double ceNum = 0;
        double ceDen = 0;
        double dice = 0;
        double focal = 0;
        double iou = 0;
        for (int b = 0; b < n; b++) {
            double[][] p = new double[k][hw];
            double[][] q = new double[k][hw];
            double[][] pi = new double[k][hw];
            for (int i = 0; i < hw; i++) {
                double s = 0;
                double sf = 0;
                for (int c = 0; c < k; c++) {
                    s += Math.exp(logits[(b * k + c) * hw + i]);
                    sf += c > 0 ? Math.exp(logits[(b * k + c) * hw + i]) : 0;
                }
                double s2 = 0;
                for (int c = 0; c < k; c++) {
                    p[c][i] = Math.exp(logits[(b * k + c) * hw + i]) / s;
                    s2 += Math.exp(p[c][i]);
                    pi[c][i] = Math.exp(logits[(b * k + c) * hw + i]) / sf;
                }
                for (int c = 0; c < k; c++) {
                    q[c][i] = Math.exp(p[c][i]) / s2;
                }
                int yy = (int) y[b * hw + i];
                if (yy > 0) {
                    ceNum += weights.get(yy) * -Math.log(p[yy][i]);
                    ceDen += weights.get(yy);
                }
            }
            for (int c = 1; c < k; c++) {
                double inter = 0;
                double sq = 0;
                double sy = 0;
                double hard = 0;
                double hardInter = 0;
                for (int i = 0; i < hw; i++) {
                    double yc = y[b * hw + i] == c ? 1 : 0;
                    inter += q[c][i] * yc;
                    sq += q[c][i];
                    sy += yc;
                    focal += weights.get(c) * -(1 - pi[c][i]) * (1 - pi[c][i])
                            * Math.log(pi[c][i]) * yc;
                    double pm = p[c][i] >= 0.5 ? 1 : 0;
                    hard += pm;
                    hardInter += pm * yc;
                }
                dice += weights.get(c) * (1 - (2 * inter + 1e-5) / (sq + sy + 1e-5));
                iou += hardInter / (hard + sy - hardInter + 1e-6);
            }
        }
        int terms = n * (k - 1);
        double want = ceNum / ceDen + dice / terms + focal / (terms * hw) + 1 - iou / terms;
        try (NDManager m = NDManager.newBaseManager()) {
            FpnuNetLoss loss = new FpnuNetLoss(weights, 0.5);
            float got = loss.typeTerm(m.create(logits, new Shape(n, k, 2, 3)),
                    m.create(y, new Shape(n, 1, 2, 3))).getFloat();
            assertEquals(want, got, 1e-5);
            float none = loss.typeTerm(m.create(logits, new Shape(n, k, 2, 3)),
                    m.zeros(new Shape(n, 1, 2, 3))).getFloat();
            assertEquals(0f, none);
        }
    }
}
