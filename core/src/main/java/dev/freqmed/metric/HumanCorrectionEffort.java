package dev.freqmed.metric;

import dev.freqmed.metric.image.Skeleton;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import nu.pattern.OpenCV;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint;
import org.opencv.core.MatOfPoint2f;
import org.opencv.core.Point;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Human correction effort (HCE, Qin et al. ECCV 2022) with relax 5 and epsilon 2: the number of
 * polygon control points and independent regions a person would need to fix the false positives
 * and false negatives of a binarised prediction ({@code pred > 0.5}), keeping the mask skeleton.
 *
 * <p>Reduction: per image (an integer count), then the arithmetic mean over images. Empty masks
 * need no special rule. Reference: PySODMetrics {@code HumanCorrectionEffortMeasure}
 * (lartpang/PySODMetrics ac5b1fc) with scikit-image 0.19 {@code skeletonize} (see
 * {@link Skeleton}) and OpenCV's erosion, dilation with the 3x3 cross, border following
 * ({@code RETR_TREE}, {@code CHAIN_APPROX_NONE}), 8-connected labelling and open
 * {@code approxPolyDP}, all taken from OpenCV's Java binding.
 */
public final class HumanCorrectionEffort extends SaliencyMetric {

    private static final int RELAX = 5;
    private static final double EPSILON = 2.0;

    static {
        OpenCV.loadLocally();
    }

    /** The HCE of one pair. */
    public static double compute(SaliencyPair pair) {
        int w = pair.width();
        int h = pair.height();
        int n = pair.size();
        boolean[] gt = pair.gt();
        double[] p = pair.pred();
        boolean[] skel = Skeleton.skeletonize(gt, w, h);
        byte[] pred = new byte[n];
        byte[] tp = new byte[n];
        byte[] fp = new byte[n];
        byte[] fn = new byte[n];
        byte[] union = new byte[n];
        for (int i = 0; i < n; i++) {
            boolean pr = p[i] > 0.5;
            pred[i] = (byte) (pr ? 1 : 0);
            tp[i] = (byte) (pr && gt[i] ? 1 : 0);
            fp[i] = (byte) (pr && !gt[i] ? 1 : 0);
            fn[i] = (byte) (!pr && gt[i] ? 1 : 0);
            union[i] = (byte) (pr || gt[i] ? 1 : 0);
        }
        Mat kernel = Imgproc.getStructuringElement(Imgproc.MORPH_CROSS, new Size(3, 3));
        List<Mat> owned = new ArrayList<>();
        try {
            Mat unionMat = mat(union, w, h, owned);
            Mat eroded = newMat(owned);
            Imgproc.erode(unionMat, eroded, kernel, new Point(-1, -1), RELAX);
            byte[] er = bytes(eroded, n);

            byte[] fpRelaxed = new byte[n];
            for (int i = 0; i < n; i++) {
                fpRelaxed[i] = (byte) (fp[i] & er[i]);
            }
            for (int k = 0; k < RELAX; k++) {
                fpRelaxed = dilate(fpRelaxed, w, h, kernel, owned);
                for (int i = 0; i < n; i++) {
                    fpRelaxed[i] = (byte) (fpRelaxed[i] != 0 && !gt[i] ? 1 : 0);
                }
            }
            for (int i = 0; i < n; i++) {
                fpRelaxed[i] = (byte) (fp[i] & fpRelaxed[i]);
            }

            byte[] fnRelaxed = new byte[n];
            for (int i = 0; i < n; i++) {
                fnRelaxed[i] = (byte) (fn[i] & er[i]);
            }
            for (int k = 0; k < RELAX; k++) {
                fnRelaxed = dilate(fnRelaxed, w, h, kernel, owned);
                for (int i = 0; i < n; i++) {
                    fnRelaxed[i] = (byte) (fnRelaxed[i] != 0 && pred[i] == 0 ? 1 : 0);
                }
            }
            for (int i = 0; i < n; i++) {
                int v = fn[i] & fnRelaxed[i];
                if (skel[i] && tp[i] == 0) {
                    v = 1;
                }
                fnRelaxed[i] = (byte) v;
            }

            byte[] condFp = new byte[n];
            byte[] condFn = new byte[n];
            for (int i = 0; i < n; i++) {
                condFp[i] = (byte) (tp[i] | fnRelaxed[i]);
                condFn[i] = (byte) (1 - (tp[i] | fpRelaxed[i] | fnRelaxed[i]));
            }
            long total = 0;
            total += effort(fpRelaxed, condFp, w, h, kernel, owned);
            total += effort(fnRelaxed, condFn, w, h, kernel, owned);
            return total;
        } finally {
            for (Mat m : owned) {
                m.release();
            }
            kernel.release();
        }
    }

    /** Control points of the conditional boundaries plus untouched regions of one error mask. */
    private static long effort(byte[] mask, byte[] condition, int w, int h, Mat kernel,
                               List<Mat> owned) {
        int n = w * h;
        byte[] cond = dilate(condition, w, h, kernel, owned);
        Mat maskMat = mat(mask, w, h, owned);
        List<MatOfPoint> contours = new ArrayList<>();
        Mat hierarchy = newMat(owned);
        Imgproc.findContours(maskMat, contours, hierarchy, Imgproc.RETR_TREE,
                Imgproc.CHAIN_APPROX_NONE);
        owned.addAll(contours);
        Mat labels = newMat(owned);
        int count = Imgproc.connectedComponents(maskMat, labels, 8, CvType.CV_32S);
        int[] lab = new int[n];
        labels.get(0, 0, lab);
        boolean[] independent = new boolean[count];
        for (int i = 1; i < count; i++) {
            independent[i] = true;
        }
        int[] visited = new int[n];
        List<int[]> boundaries = new ArrayList<>();
        for (MatOfPoint contour : contours) {
            int len = (int) contour.total();
            int[] pts = new int[2 * len];
            contour.get(0, 0, pts);
            List<int[]> segments = new ArrayList<>();
            int[] seg = new int[2 * len];
            int segLen = 0;
            for (int k = 0; k < len; k++) {
                int col = pts[2 * k];
                int row = pts[2 * k + 1];
                int idx = row * w + col;
                if (cond[idx] == 0 || visited[idx] != 0) {
                    if (segLen > 0) {
                        segments.add(Arrays.copyOf(seg, 2 * segLen));
                        segLen = 0;
                    }
                    continue;
                }
                seg[2 * segLen] = col;
                seg[2 * segLen + 1] = row;
                segLen++;
                visited[idx]++;
                independent[lab[idx]] = false;
            }
            if (segLen > 0) {
                segments.add(Arrays.copyOf(seg, 2 * segLen));
            }
            if (segments.size() > 1) {
                int[] first = segments.get(0);
                int[] last = segments.get(segments.size() - 1);
                int dx = Math.abs(first[0] - last[last.length - 2]);
                int dy = Math.abs(first[1] - last[last.length - 1]);
                if ((dx == 1 && dy == 0) || (dx == 0 && dy == 1) || (dx == 1 && dy == 1)) {
                    int[] merged = Arrays.copyOf(last, last.length + first.length);
                    for (int k = 0; k < first.length / 2; k++) {
                        int src = first.length / 2 - 1 - k;
                        merged[last.length + 2 * k] = first[2 * src];
                        merged[last.length + 2 * k + 1] = first[2 * src + 1];
                    }
                    segments.set(segments.size() - 1, merged);
                    segments.remove(0);
                }
            }
            boundaries.addAll(segments);
        }
        long points = 0;
        for (int[] b : boundaries) {
            points += controlPoints(b, owned);
        }
        long regions = 0;
        for (boolean f : independent) {
            regions += f ? 1 : 0;
        }
        return points + regions;
    }

    private static int controlPoints(int[] xy, List<Mat> owned) {
        int len = xy.length / 2;
        MatOfPoint2f curve = new MatOfPoint2f();
        owned.add(curve);
        curve.alloc(len);
        float[] f = new float[xy.length];
        for (int i = 0; i < xy.length; i++) {
            f[i] = xy[i];
        }
        curve.put(0, 0, f);
        MatOfPoint2f approx = new MatOfPoint2f();
        owned.add(approx);
        Imgproc.approxPolyDP(curve, approx, EPSILON, false);
        return (int) approx.total();
    }

    private static byte[] dilate(byte[] src, int w, int h, Mat kernel, List<Mat> owned) {
        Mat in = mat(src, w, h, owned);
        Mat out = newMat(owned);
        Imgproc.dilate(in, out, kernel);
        return bytes(out, w * h);
    }

    private static Mat mat(byte[] data, int w, int h, List<Mat> owned) {
        Mat m = new Mat(h, w, CvType.CV_8UC1);
        owned.add(m);
        m.put(0, 0, data);
        return m;
    }

    private static Mat newMat(List<Mat> owned) {
        Mat m = new Mat();
        owned.add(m);
        return m;
    }

    private static byte[] bytes(Mat m, int n) {
        byte[] b = new byte[n];
        m.get(0, 0, b);
        return b;
    }

    @Override
    double[] measure(SaliencyPair pair) {
        return new double[] {compute(pair)};
    }

    @Override
    public MetricResult result() {
        return new MetricResult().put("HCE", meanOf(0));
    }
}
